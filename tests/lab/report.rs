//! One harness for every test binary: a run of the wsusprobe binary, with its report decoded into
//! the model types. Assertions read fields (`path().verdict`, `stage("tls").status`, and each
//! stage's typed evidence through `dns()`, `tunnel()`, `tls()`…). Stage and kind names given as
//! text are checked against the model's own names, so a misspelt one fails the test instead of
//! never matching.
//!
//! Every check report decoded here is also held to the contract: it must validate against the
//! published JSON Schema (`testdata/schema/report.schema.json`), and the model must write it back
//! to the same JSON (nothing dropped, no `null` where a field was absent).
#![allow(dead_code)]

use std::process::{Command, Output};

use serde::de::DeserializeOwned;
use serde_json::Value;
use wsusprobe::model::detail::{
    ChainAnalysis, ClockDetail, Detail, DnsDetail, ForwardDetail, HttpAnswer, ProxyDetail,
    TcpDetail, TlsDetail, TunnelDetail,
};
use wsusprobe::model::{Kind, PathReport, Report, Stage, StageResult, Status, Verdict};

/// The published schema of the check report, compiled once per test binary.
fn schema() -> &'static jsonschema::Validator {
    static SCHEMA: std::sync::OnceLock<jsonschema::Validator> = std::sync::OnceLock::new();
    SCHEMA.get_or_init(|| {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/testdata/schema/report.schema.json"
        );
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let schema: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
        jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{path}: {e}"))
    })
}

/// Every path lists its stages in pipeline order, each at most once, and never `host`.
fn assert_pipeline_order(report: &Report) {
    for p in &report.paths {
        let at: Vec<Option<usize>> = p
            .stages
            .iter()
            .map(|s| Stage::PATH.iter().position(|o| *o == s.stage))
            .collect();
        let ordered = at.iter().all(Option::is_some) && at.windows(2).all(|w| w[0] < w[1]);
        let names: Vec<&str> = p.stages.iter().map(|s| s.stage.as_str()).collect();
        assert!(
            ordered,
            "{} ({:?}): stages out of order: {names:?}",
            p.target, p.route.kind
        );
    }
}

/// Hold a check report to the contract: valid against the schema, and written back by the model
/// exactly as read.
pub fn assert_contract(json: &Value, report: &Report) {
    let errors: Vec<String> = schema()
        .iter_errors(json)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .take(5)
        .collect();
    assert!(
        errors.is_empty(),
        "the report breaks its JSON Schema:\n{}\nreport:\n{json:#}",
        errors.join("\n")
    );
    let again = serde_json::to_value(report).unwrap_or(Value::Null);
    assert!(
        &again == json,
        "the model does not write the report back as read:\nread:\n{json:#}\nwritten:\n{again:#}"
    );
}

/// The variable naming a Windows build of wsusprobe to test instead of this one, under Wine
/// (`.ci/run` sets it for the Wine suite). Unix paths in arguments reach the exe through Wine's
/// Z: drive, and the exe uses the same loopback lab.
pub const WINE_EXE: &str = "WSUSPROBE_WINE_EXE";

/// The Windows exe under test, when the suite runs under Wine.
pub fn wine_exe() -> Option<String> {
    std::env::var(WINE_EXE).ok().filter(|v| !v.is_empty())
}

/// The wsusprobe under test: this build's binary, or the Windows exe under Wine.
pub fn wsusprobe_command() -> Command {
    match wine_exe() {
        Some(exe) => {
            let mut c = Command::new("wine");
            c.arg(exe).env("WINEDEBUG", "-all");
            c
        }
        None => Command::new(env!("CARGO_BIN_EXE_wsusprobe")),
    }
}

/// `wine reg ARGS` on the suite's prefix (WINEPREFIX): the exe under test reads that registry.
pub fn wine_reg(args: &[&str]) -> std::process::Output {
    Command::new("wine")
        .arg("reg")
        .args(args)
        .env("WINEDEBUG", "-all")
        .output()
        .expect("wine reg")
}

/// Skip a test that cannot run under Wine, saying why; true when skipped.
pub fn skip_under_wine(why: &str) -> bool {
    if wine_exe().is_some() {
        eprintln!("SKIP under Wine: {why}");
        return true;
    }
    false
}

/// The address `wsusprobe serve` announces on its first line ("… listening on http://ADDR/").
pub fn exporter_address(first_line: &str) -> String {
    first_line
        .trim()
        .rsplit("http://")
        .next()
        .unwrap_or_default()
        .trim_end_matches('/')
        .to_string()
}

pub struct Run {
    pub code: i32,
    /// The output as JSON (`Null` when it is not JSON): for the reports of other commands.
    pub json: Value,
    pub stdout: String,
    pub stderr: String,
    /// The check report, decoded on first use (assertions ask for it many times).
    decoded: std::sync::OnceLock<Report>,
}

fn stage_named(name: &str) -> Stage {
    name.parse()
        .unwrap_or_else(|e| panic!("a test names an unknown stage: {e}"))
}

fn kind_named(name: &str) -> Kind {
    name.parse()
        .unwrap_or_else(|e| panic!("a test names an unknown kind: {e}"))
}

impl Run {
    pub fn from_output(out: &Output) -> Run {
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        Run {
            code: out.status.code().unwrap_or(-1),
            json: serde_json::from_str(&stdout).unwrap_or(Value::Null),
            stdout,
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            decoded: std::sync::OnceLock::new(),
        }
    }

    /// The output decoded as `T` (a check report, a plan result, a ciphers report…).
    pub fn decode<T: DeserializeOwned>(&self) -> T {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "the output is not the expected report ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    pub fn report(&self) -> Report {
        self.checked().clone()
    }

    /// The check report, decoded and held to the contract once.
    fn checked(&self) -> &Report {
        self.decoded.get_or_init(|| {
            let report: Report = self.decode();
            assert_contract(&self.json, &report);
            assert_pipeline_order(&report);
            report
        })
    }

    pub fn path_at(&self, i: usize) -> PathReport {
        let report = self.checked();
        report
            .paths
            .get(i)
            .cloned()
            .unwrap_or_else(|| panic!("no path {i} in:\n{}", self.stdout))
    }

    /// The first path.
    pub fn path(&self) -> PathReport {
        self.path_at(0)
    }

    /// The first path's verdict (it must have one).
    pub fn v(&self) -> Verdict {
        self.path().verdict.unwrap_or_else(|| {
            panic!(
                "the path has no verdict:\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// (stage, kind) of path `i`'s verdict, if any.
    pub fn verdict_at(&self, i: usize) -> Option<(Stage, Kind)> {
        self.path_at(i).verdict.map(|v| (v.stage, v.kind))
    }

    pub fn verdict(&self) -> Option<(Stage, Kind)> {
        self.verdict_at(0)
    }

    /// The first path's result for stage `name`.
    pub fn stage(&self, name: &str) -> StageResult {
        let stage = stage_named(name);
        self.path()
            .stages
            .into_iter()
            .find(|s| s.stage == stage)
            .unwrap_or_else(|| panic!("no {name} stage in:\n{}", self.stdout))
    }

    pub fn status(&self, stage: &str) -> Status {
        self.stage(stage).status
    }

    /// The first path's evidence for `name`, as the type `pick` expects.
    fn evidence<T: Clone>(&self, name: &str, pick: impl Fn(&Detail) -> Option<&T>) -> T {
        let detail = self.stage(name).detail;
        pick(&detail).cloned().unwrap_or_else(|| {
            panic!(
                "the {name} stage carries other evidence: {detail:?}\nreport:\n{}",
                self.stdout
            )
        })
    }

    pub fn dns(&self) -> DnsDetail {
        self.evidence("dns", Detail::dns)
    }

    pub fn tcp(&self) -> TcpDetail {
        self.evidence("tcp", Detail::tcp)
    }

    /// The proxy stage's CONNECT exchange.
    pub fn tunnel(&self) -> TunnelDetail {
        self.evidence("proxy", |d| match d.proxy() {
            Some(ProxyDetail::Tunnel(t)) => Some(t),
            _ => None,
        })
    }

    /// The proxy stage's forwarded request (http://).
    pub fn forwarded(&self) -> ForwardDetail {
        self.evidence("proxy", |d| match d.proxy() {
            Some(ProxyDetail::Forward(f)) => Some(f),
            _ => None,
        })
    }

    pub fn tls(&self) -> TlsDetail {
        self.evidence("tls", Detail::tls)
    }

    /// The certificate stage's analysis of the chain.
    pub fn chain(&self) -> ChainAnalysis {
        self.evidence("certificate", Detail::certificate)
    }

    pub fn clock(&self) -> ClockDetail {
        self.evidence("clock", Detail::clock)
    }

    /// The server's answer to the http stage's request.
    pub fn http(&self) -> HttpAnswer {
        self.evidence("http", Detail::http)
    }

    /// Assert the first path's verdict and the exit code 1, with the report on failure.
    pub fn expect(&self, stage: &str, kind: &str) {
        self.expect_at(0, stage, kind);
        assert_eq!(self.code, 1, "exit code; report:\n{}", self.stdout);
    }

    /// Assert path `i`'s verdict.
    pub fn expect_at(&self, i: usize, stage: &str, kind: &str) {
        assert_eq!(
            self.verdict_at(i),
            Some((stage_named(stage), kind_named(kind))),
            "report:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
    }

    pub fn expect_ok(&self) {
        assert_eq!(
            self.code, 0,
            "report:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        let p = self.path();
        assert!(p.ok && p.verdict.is_none(), "{}", self.stdout);
    }

    /// The `--wsus-config`/upstream findings' messages.
    pub fn findings(&self) -> Vec<String> {
        self.report()
            .config
            .map(|c| c.findings.into_iter().map(|f| f.message).collect())
            .unwrap_or_default()
    }
}

/// Assert that `text` contains `needle`, showing the text when it does not.
#[track_caller]
pub fn assert_has(text: &str, needle: &str) {
    assert!(text.contains(needle), "{needle:?} not in:\n{text}");
}
