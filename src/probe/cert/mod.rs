//! Stage `certificate`: judge the chain the server sent.
//!
//! webpki (through rustls) gives the trust verdict; x509-parser explains it (`chain` walks the
//! path, `name` checks the names and interception, `parse` reads what the report shows), because
//! webpki reports only its first problem and cannot tell a missing intermediate from an unknown
//! root.

mod chain;
mod name;
mod parse;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use rustls::RootCertStore;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::ServerCertVerifier;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use x509_parser::certificate::X509Certificate;

use crate::knowledge::anchors;
use crate::knowledge::remedies::{self, Remedy};
use crate::model::detail::{self, CertificateDetail, ChainAnalysis, Leaf};
use crate::model::{Detail, Kind, Stage, StageResult};
use crate::timefmt::rfc3339;
use chain::Problem;
use parse::cn_or_dn;

/// Where a trust anchor comes from.
#[derive(Debug, Clone)]
enum Source {
    System,
    BuiltIn,
    CaFile(String),
}

impl Source {
    fn describe(&self) -> String {
        match self {
            Source::System => "the system trust store".into(),
            Source::BuiltIn => format!("the built-in {}", anchors::MS_ROOT_2011_NAME),
            Source::CaFile(f) => format!("--ca-file {f}"),
        }
    }
}

struct Anchor {
    der: CertificateDer<'static>,
    subject: Vec<u8>,
    source: Source,
}

/// The trust anchors of a run: the system store, Microsoft Root 2011, and every --ca-file.
pub struct Trust {
    verifier: Option<Arc<WebPkiServerVerifier>>,
    anchors: Vec<Anchor>,
    pub system_count: usize,
    /// Where the system's roots came from, with their counts.
    pub stores: Vec<String>,
}

impl Trust {
    /// The system store, Microsoft Root 2011 and `extra` (each with the file it came from).
    pub fn load(extra: &[(CertificateDer<'static>, String)]) -> Trust {
        let crate::platform::Roots {
            certs: system,
            stores,
        } = crate::platform::system_roots();
        let mut anchors = Vec::new();
        let mut push = |der: CertificateDer<'static>, source: Source| {
            if let Ok((_, c)) = x509_parser::parse_x509_certificate(&der) {
                let subject = c.subject().as_raw().to_vec();
                anchors.push(Anchor {
                    der,
                    subject,
                    source,
                });
            }
        };
        let system_count = system.len();
        for der in system {
            push(der, Source::System);
        }
        push(anchors::ms_root_2011(), Source::BuiltIn);
        for (der, file) in extra {
            push(der.clone(), Source::CaFile(file.clone()));
        }
        let mut store = RootCertStore::empty();
        let _ = store.add_parsable_certificates(anchors.iter().map(|a| a.der.clone()));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier = WebPkiServerVerifier::builder_with_provider(Arc::new(store), provider)
            .build()
            .ok();
        Trust {
            verifier,
            anchors,
            system_count,
            stores,
        }
    }
}

pub struct CertOutcome {
    pub result: StageResult,
    /// Where the issuer missing from the path can be fetched (the AIA caIssuers URL of the last
    /// certificate on it), when the chain stops short of a trusted root.
    pub fetch_from: Option<String>,
    /// That issuer's name.
    missing: Option<String>,
    /// The certificate failed on time only (expired / not yet valid) …
    pub time_failure: bool,
    /// … and these are the validity windows (unix seconds) of the certificates on its path.
    pub windows: Vec<(i64, i64)>,
}

/// Which problem names the verdict when webpki rejects the chain, most fundamental first.
const PRECEDENCE: &[Kind] = &[
    Kind::BadSignature,
    Kind::UnknownCriticalExtension,
    Kind::SelfSigned,
    Kind::IncompleteChain,
    Kind::UnknownIssuer,
    Kind::Expired,
    Kind::NotYetValid,
    Kind::NameMismatch,
];

impl CertOutcome {
    /// The chain analysis in the result's detail, to add what came after it.
    fn analysis(&mut self) -> Option<&mut ChainAnalysis> {
        match &mut self.result.detail {
            Detail::Certificate(CertificateDetail::Analysed(a)) => Some(a),
            _ => None,
        }
    }

    /// After the missing issuers were fetched (`fetched`, over `route`) and the chain judged
    /// again: a path that now verifies passes with a warning that the server leaves them out.
    pub fn fetched_issuers(&mut self, fetched: Vec<detail::FetchedIssuer>, route: &str) {
        let urls: Vec<String> = fetched.iter().map(|f| f.url.clone()).collect();
        let names: Vec<String> = fetched
            .iter()
            .map(|f| format!("\"{}\"", short_name(&f.subject)))
            .collect();
        if let Some(a) = self.analysis() {
            a.fetched = fetched;
        }
        if self.result.status == crate::model::Status::Pass {
            let msg = format!(
                "{}; but the server leaves out {}: Windows fetches it from {} over WinHTTP's route ({route}), which worked here — {}",
                self.result.message,
                names.join(", "),
                urls.join(", "),
                remedies::text(Remedy::SendFullChain)
            );
            self.result.status = crate::model::Status::Warn;
            self.result.kind = Some(Kind::IncompleteChain);
            self.result.message = msg;
        }
    }

    /// The fetch of a missing issuer broke (`failure`): the verdict says where and what to do.
    pub fn fetch_failed(&mut self, failure: detail::AiaFailure) {
        let missing = self.missing.as_deref().unwrap_or("its issuer");
        self.result.message = format!(
            "the server leaves out \"{missing}\", and Windows cannot fetch it: from {} over WinHTTP's route ({}) the fetch failed at {}/{}: {} — {}",
            failure.url,
            failure.route,
            failure.stage,
            failure.kind,
            failure.message,
            remedies::text(Remedy::LetWinHttpFetchIssuer)
        );
        if let Some(a) = self.analysis() {
            a.aia_failure = Some(failure);
        }
    }

    fn new(result: StageResult, windows: Vec<(i64, i64)>) -> CertOutcome {
        let time_failure =
            result.failed() && matches!(result.kind, Some(Kind::Expired | Kind::NotYetValid));
        CertOutcome {
            result,
            fetch_from: None,
            missing: None,
            time_failure,
            windows,
        }
    }

    fn failed(kind: Kind, msg: String, detail: Detail) -> CertOutcome {
        let result = StageResult::fail(Stage::Certificate, kind, msg, detail);
        CertOutcome::new(result, vec![])
    }
}

/// Judge `chain` (leaf first) for `host` at `now`.
pub fn analyse(
    trust: &Trust,
    host: &str,
    chain: &[CertificateDer<'static>],
    now: SystemTime,
) -> CertOutcome {
    analyse_with(trust, host, chain, &[], now)
}

/// As `analyse`, with issuers fetched from AIA URLs (`fetched`) available to the path as
/// Windows' chain engine has them; the report's chain stays what the server sent.
pub fn analyse_with(
    trust: &Trust,
    host: &str,
    chain: &[CertificateDer<'static>],
    fetched: &[CertificateDer<'static>],
    now: SystemTime,
) -> CertOutcome {
    let Some(leaf_der) = chain.first() else {
        return CertOutcome::failed(
            Kind::UnknownIssuer,
            "the server sent no certificate".into(),
            Detail::None,
        );
    };
    let mut parsed = Vec::new();
    for (i, der) in chain.iter().enumerate() {
        match x509_parser::parse_x509_certificate(der) {
            Ok((_, c)) => parsed.push(c),
            Err(e) if i == 0 => {
                return CertOutcome::failed(
                    Kind::BadSignature,
                    format!("the server's certificate cannot be parsed: {e}"),
                    CertificateDetail::Unparsable {
                        sha256: anchors::sha256_hex(leaf_der),
                    }
                    .into(),
                );
            }
            // An unparsable extra certificate is left out of the path; it is noted in the chain.
            Err(_) => {}
        }
    }
    let sent = parsed.len();
    parsed.extend(fetched.iter().filter_map(|der| {
        x509_parser::parse_x509_certificate(der)
            .ok()
            .map(|(_, c)| c)
    }));
    let leaf = &parsed[0];
    let now_s = parse::unix(now);
    let (name_ok, names) = name::name_check(leaf, host);
    let mut path = Vec::new();
    let walked = chain::walk(trust, &parsed, &mut path);
    let fetch_from = chain::fetch_from(&walked, &parsed, &path);
    let mut problems: Vec<Problem> = Vec::new();
    let trusted_by = chain::trust(&walked, leaf, &mut problems);
    problems.extend(chain::critical_extension(&parsed));
    let windows = chain::times(&parsed, &path, now_s, &mut problems);
    if !name_ok {
        problems.push(name::mismatch(&names, host));
    }
    let webpki = match (&trust.verifier, ServerName::try_from(host.to_string())) {
        (Some(v), Ok(name)) => {
            let t = UnixTime::since_unix_epoch(Duration::from_secs(now_s.max(0) as u64));
            let intermediates: Vec<CertificateDer<'static>> =
                chain[1..].iter().chain(fetched).cloned().collect();
            v.verify_server_cert(leaf_der, &intermediates, &name, &[], t)
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
        _ => Err("no verifier".to_string()),
    };
    let mut detail = ChainAnalysis {
        aia_failure: None,
        chain: parsed[..sent].iter().map(parse::summary).collect(),
        chain_sent: chain.len(),
        fetched: vec![],
        intercepted_by: None,
        leaf: leaf_detail(leaf, leaf_der, &names),
        problems: problems
            .iter()
            .map(|(kind, message)| detail::Problem {
                kind: *kind,
                message: message.clone(),
            })
            .collect(),
        trust_stores: Some(trust.stores.clone()),
        trusted_by: trusted_by.clone(),
        webpki: match &webpki {
            Ok(()) => "ok".to_string(),
            Err(e) => e.clone(),
        },
    };
    let result = match name::interception(host, leaf) {
        Some(by) => {
            detail.intercepted_by = Some(by);
            intercepted(host, leaf, webpki.is_ok(), trusted_by.as_deref(), detail)
        }
        None => result_of(leaf, webpki, trusted_by.as_deref(), &problems, detail),
    };
    let mut outcome = CertOutcome::new(result, windows);
    (outcome.fetch_from, outcome.missing) = fetch_from.unzip();
    outcome
}

/// The CN of an RFC 4514 subject (`CN=…, O=…`), or the whole of it.
fn short_name(subject: &str) -> &str {
    subject
        .split(", ")
        .find_map(|p| p.strip_prefix("CN="))
        .unwrap_or(subject)
}

/// What the report shows of the leaf.
fn leaf_detail(leaf: &X509Certificate<'_>, der: &CertificateDer<'_>, names: &[String]) -> Leaf {
    let v = leaf.validity();
    Leaf {
        aia_ca_issuers: Some(chain::ca_issuers_url(leaf)),
        issuer: leaf.issuer().to_string(),
        key: parse::key_desc(leaf),
        names: names.iter().take(20).cloned().collect(),
        names_total: names.len(),
        not_after: rfc3339(v.not_after.timestamp()),
        not_before: rfc3339(v.not_before.timestamp()),
        sha256: anchors::sha256_hex(der),
        signature_algorithm: parse::sig_alg(leaf),
        subject: leaf.subject().to_string(),
    }
}

/// A Microsoft host whose certificate Microsoft did not issue: a warning when the re-signing CA
/// is trusted (WSUS would sync through it), a failure otherwise.
fn intercepted(
    host: &str,
    leaf: &X509Certificate<'_>,
    trusted: bool,
    trusted_by: Option<&str>,
    detail: ChainAnalysis,
) -> StageResult {
    let issuer = cn_or_dn(leaf.issuer());
    let msg = format!(
        "{host} is a Microsoft host, but its certificate was issued by \"{issuer}\", not by Microsoft: TLS inspection re-signs it"
    );
    if trusted {
        let msg = format!(
            "{msg} (trusted through {})",
            trusted_by.unwrap_or("an added CA")
        );
        StageResult::warn(Stage::Certificate, Some(Kind::Intercepted), msg, detail)
    } else {
        StageResult::fail(Stage::Certificate, Kind::Intercepted, msg, detail)
    }
}

/// Pass when webpki accepts the chain; else the most fundamental problem found names the
/// failure (webpki's own words when the walk found none).
fn result_of(
    leaf: &X509Certificate<'_>,
    webpki: Result<(), String>,
    trusted_by: Option<&str>,
    problems: &[Problem],
    detail: ChainAnalysis,
) -> StageResult {
    if webpki.is_ok() {
        let until = rfc3339(leaf.validity().not_after.timestamp());
        return StageResult::pass(
            Stage::Certificate,
            format!(
                "\"{}\" issued by \"{}\", valid until {until}, trusted through {}",
                cn_or_dn(leaf.subject()),
                cn_or_dn(leaf.issuer()),
                trusted_by.unwrap_or("a trusted root")
            ),
            detail,
        );
    }
    let (kind, mut msg) = PRECEDENCE
        .iter()
        .find_map(|k| problems.iter().find(|(pk, _)| pk == k))
        .cloned()
        .unwrap_or_else(|| {
            (
                Kind::BadSignature,
                format!(
                    "the certificate was rejected: {}",
                    webpki.err().unwrap_or_default()
                ),
            )
        });
    if problems.len() > 1 {
        msg.push_str(&format!(
            " (+{} more problem(s) in the detail)",
            problems.len() - 1
        ));
    }
    StageResult::fail(Stage::Certificate, kind, msg, detail)
}
