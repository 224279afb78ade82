//! What `check --client-profile` / a GPO-style `--ciphers` list offers through the raw engine.

use super::{DEFAULT_GROUPS, TLS12, TLS13};
use crate::knowledge::suites;

/// What the raw engine offers in `check`: a Windows profile, a GPO-style list, or both (the
/// list then replaces the profile's order, as a GPO overrides the defaults).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientOffer {
    pub name: String,
    /// Highest first.
    pub versions: Vec<u16>,
    pub suites: Vec<u16>,
    pub groups: Vec<u16>,
}

impl ClientOffer {
    /// The offer of a profile, a `--ciphers` list (id, curve restriction), or both. Without a
    /// profile the versions are TLS 1.2, with TLS 1.3 before it when `tls13` is set.
    pub fn new(
        profile: Option<&'static suites::Profile>,
        entries: Option<Vec<(u16, Option<u16>)>>,
        tls13: bool,
    ) -> ClientOffer {
        let default_versions = if tls13 {
            vec![TLS13, TLS12]
        } else {
            vec![TLS12]
        };
        let mut versions = profile
            .map(|p| p.versions.to_vec())
            .unwrap_or(default_versions);
        let mut groups: Vec<u16> = profile
            .map(|p| p.groups.to_vec())
            .unwrap_or_else(|| DEFAULT_GROUPS.to_vec());
        let (name, suites) = match (&entries, profile) {
            (Some(e), Some(p)) => (
                format!("{} with the --ciphers order", p.name),
                e.iter().map(|(id, _)| *id).collect(),
            ),
            (Some(e), None) => (
                "the --ciphers list".to_string(),
                e.iter().map(|(id, _)| *id).collect(),
            ),
            (None, Some(p)) => (format!("the {} profile", p.name), p.suites.to_vec()),
            (None, None) => ("the default offer".to_string(), Vec::new()),
        };
        // `_P256`/`_P384` entries restrict the curves, in the order they first appear.
        let restricted: Vec<u16> =
            entries
                .iter()
                .flatten()
                .filter_map(|(_, g)| *g)
                .fold(Vec::new(), |mut acc, g| {
                    if !acc.contains(&g) {
                        acc.push(g);
                    }
                    acc
                });
        if !restricted.is_empty() {
            groups = restricted;
        }
        // The first occurrence of a suite counts (a GPO list may repeat one far apart).
        let mut suites: Vec<u16> = suites;
        let mut seen = Vec::with_capacity(suites.len());
        suites.retain(|s| {
            let first = !seen.contains(s);
            seen.push(*s);
            first
        });
        if suites.iter().any(|s| s >> 8 == 0x13) && !versions.contains(&TLS13) {
            versions.insert(0, TLS13);
        }
        ClientOffer {
            name,
            versions,
            suites,
            groups,
        }
    }

    pub fn max_version(&self) -> u16 {
        self.versions.iter().copied().max().unwrap_or(TLS12)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offers() {
        let gpo = vec![
            (0xc028, Some(0x0018)),
            (0xc028, Some(0x0017)),
            (0x009d, None),
        ];
        let o = ClientOffer::new(None, Some(gpo), false);
        assert_eq!(o.suites, vec![0xc028, 0x009d]);
        assert_eq!(o.groups, vec![0x0018, 0x0017]);
        let p = ClientOffer::new(suites::profile("win2012r2"), None, false);
        assert_eq!(
            (p.max_version(), p.suites[0], p.groups.clone()),
            (0x0303, 0xc028, vec![0x17, 0x18])
        );
        // Repeats far apart are removed too, keeping the first place.
        let r = ClientOffer::new(
            None,
            Some(vec![(0xc030, None), (0xc02f, None), (0xc030, None)]),
            false,
        );
        assert_eq!(r.suites, vec![0xc030, 0xc02f]);
    }
}
