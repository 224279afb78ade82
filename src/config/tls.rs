//! What the tls stage offers (version, suites, a raw-engine offer) and whom the certificate stage
//! trusts besides the system store (`--ca-file`).

use rustls::pki_types::CertificateDer;

use crate::cli::{OfferArgs, TlsVersionArg};
use crate::config::{hostpolicy, inputs};
use crate::error::{UsageError, usage};
use crate::hello::ClientOffer;
use crate::knowledge::suites;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsVersion {
    V12,
    V13,
}

#[derive(Debug, Clone)]
pub struct TlsSettings {
    pub version: TlsVersion,
    /// Suites to offer (code points rustls implements); `None` = all rustls offers for the version.
    pub suites: Option<Vec<u16>>,
    /// A Windows client profile or a GPO-style suite list, offered by the raw engine: set when
    /// the offer holds anything rustls cannot speak (CBC, static RSA, DHE, TLS 1.0/1.1, curve limits).
    pub offer: Option<ClientOffer>,
    /// Extra trust anchors from --ca-file, with the file each came from.
    pub extra_roots: Vec<(CertificateDer<'static>, String)>,
}

impl TlsSettings {
    /// Whether the offer is wsusprobe's default one (TLS 1.2, what rustls offers): no
    /// --client-profile, --ciphers or --tls-version 1.3 asked about another client.
    pub fn is_default_offer(&self) -> bool {
        self.version == TlsVersion::V12 && self.suites.is_none() && self.offer.is_none()
    }

    /// TLS 1.2 with what rustls offers, trusting the system store and these files too.
    pub fn with_ca_files(files: &[std::path::PathBuf]) -> Result<TlsSettings, UsageError> {
        Ok(TlsSettings {
            version: TlsVersion::V12,
            suites: None,
            offer: None,
            extra_roots: inputs::ca_files(files)?,
        })
    }

    /// The offer flags (--tls-version, --ciphers, --client-profile) and the `--ca-file`s.
    pub fn from_args(
        args: &OfferArgs,
        ca_files: &[std::path::PathBuf],
    ) -> Result<TlsSettings, UsageError> {
        let version = match args.tls_version {
            TlsVersionArg::V12 => TlsVersion::V12,
            TlsVersionArg::V13 => TlsVersion::V13,
        };
        let entries = match &args.ciphers {
            None => None,
            Some(list) => Some(parse_cipher_entries(list)?),
        };
        if let Some(offer) = host_offer(args, entries.is_some())? {
            return Ok(TlsSettings {
                version,
                suites: None,
                offer: Some(offer),
                extra_roots: inputs::ca_files(ca_files)?,
            });
        }
        let profile = match &args.client_profile {
            None => None,
            Some(name) => Some(suites::profile(name).ok_or_else(|| {
                UsageError(format!(
                    "--client-profile '{name}': known profiles are {}, host",
                    suites::PROFILES
                        .iter()
                        .map(|p| p.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?),
        };
        let rustls_only = entries.as_ref().is_some_and(|e| {
            e.iter()
                .all(|(id, group)| group.is_none() && suites::rustls_suite(*id).is_some())
        });
        let (suites, offer) = match (profile, entries) {
            (None, None) => (None, None),
            (None, Some(e)) if rustls_only => (Some(rustls_list(&e, version)?), None),
            (profile, entries) => (
                None,
                Some(ClientOffer::new(
                    profile,
                    entries,
                    version == TlsVersion::V13,
                )),
            ),
        };
        Ok(TlsSettings {
            version,
            suites,
            offer,
            extra_roots: inputs::ca_files(ca_files)?,
        })
    }
}

/// `--client-profile host` / `--client-profile-from-reg`: the offer this Windows host's policy
/// makes, read from its registry (live, or the exports given).
fn host_offer(args: &OfferArgs, ciphers: bool) -> Result<Option<ClientOffer>, UsageError> {
    let named_host = args
        .client_profile
        .as_deref()
        .is_some_and(|p| p.eq_ignore_ascii_case("host"));
    if !named_host && args.client_profile_from_reg.is_empty() {
        return Ok(None);
    }
    if let Some(p) = args.client_profile.as_deref().filter(|_| !named_host) {
        return usage(format!(
            "--client-profile-from-reg offers the exported host's policy: drop --client-profile {p}"
        ));
    }
    if ciphers {
        return usage(
            "--ciphers replaces the host's own order: give --ciphers or --client-profile host, not both",
        );
    }
    let host = hostpolicy::load(&args.client_profile_from_reg, None).map_err(|e| {
        if args.client_profile_from_reg.is_empty() && !cfg!(windows) {
            UsageError(
                "--client-profile host reads this host's registry: the live registry exists only on \
                 Windows; elsewhere give the exports with --client-profile-from-reg FILE"
                    .into(),
            )
        } else {
            e
        }
    })?;
    crate::host::offer(&host).map(Some).ok_or_else(|| {
        UsageError(
            "--client-profile host: this host's policy turns every TLS version off for clients; \
             `wsusprobe host` shows which keys do"
                .into(),
        )
    })
}

/// `--ciphers` entries: IANA names, Windows names with `_P256`/`_P384` curve suffixes, or
/// 0xNNNN code points, in the order given.
pub fn parse_cipher_entries(list: &str) -> Result<Vec<(u16, Option<u16>)>, UsageError> {
    let mut out: Vec<(u16, Option<u16>)> = Vec::new();
    for entry in list.split([',', ':', ' ']).filter(|e| !e.trim().is_empty()) {
        let parsed =
            suites::parse_schannel(entry).map_err(|e| UsageError(format!("--ciphers: {e}")))?;
        if !out.contains(&parsed) {
            out.push(parsed);
        }
    }
    if out.is_empty() {
        return usage("--ciphers: the list is empty");
    }
    Ok(out)
}

/// A list rustls speaks, checked against the version offered.
fn rustls_list(
    entries: &[(u16, Option<u16>)],
    version: TlsVersion,
) -> Result<Vec<u16>, UsageError> {
    let mut out = Vec::new();
    for (id, _) in entries {
        let is13 = id >> 8 == 0x13;
        match (version, is13) {
            (TlsVersion::V12, true) => {
                return usage(format!(
                    "--ciphers: {} is a TLS 1.3 suite; add --tls-version 1.3 to offer it",
                    suites::name(*id)
                ));
            }
            (TlsVersion::V13, false) => {
                return usage(format!(
                    "--ciphers: {} is a TLS 1.2 suite and --tls-version 1.3 is set",
                    suites::name(*id)
                ));
            }
            _ => out.push(*id),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cipher_lists() {
        let e = parse_cipher_entries("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,0xc02f").unwrap();
        assert_eq!(e, vec![(0xc030, None), (0xc02f, None)]);
        assert_eq!(
            rustls_list(&e, TlsVersion::V12).unwrap(),
            vec![0xc030, 0xc02f]
        );
        assert!(rustls_list(&[(0x1301, None)], TlsVersion::V12).is_err());
        assert!(parse_cipher_entries("TLS_NOPE").is_err());
        assert!(parse_cipher_entries(",").is_err());
    }
}
