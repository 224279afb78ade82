//! Facts about Microsoft Update endpoints (seeds 000, 001, 002; research/microsoft-update-facts.md §1).

/// What `wsusprobe check` probes with no argument: the sync service WSUS calls first.
pub const DEFAULT_TARGET: &str =
    "https://sws.update.microsoft.com/ServerSyncWebService/ServerSyncWebService.asmx";

/// The path of the WSUS server-to-server sync service (compared case-insensitively).
pub const SYNC_SERVICE_SUFFIX: &str = "/serversyncwebservice/serversyncwebservice.asmx";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointStatus {
    /// Gone for WSUS sync: the path fails whatever the network does.
    Decommissioned,
    /// Still answers, but scheduled to go.
    Legacy,
}

#[derive(Debug)]
pub struct EndpointRule {
    pub host: &'static str,
    /// When set, the rule applies only to paths starting with one of these prefixes
    /// (lower case); an empty list means any path on that host.
    pub path_prefixes: &'static [&'static str],
    pub status: EndpointStatus,
    pub note: &'static str,
}

pub static ENDPOINT_RULES: &[EndpointRule] = &[
    EndpointRule {
        host: "fe2.update.microsoft.com",
        path_prefixes: &[],
        status: EndpointStatus::Decommissioned,
        note: "fe2.update.microsoft.com (/v6) stopped serving WSUS synchronization after July 8, 2019",
    },
    EndpointRule {
        host: "update.microsoft.com",
        path_prefixes: &["/v6"],
        status: EndpointStatus::Decommissioned,
        note: "update.microsoft.com/v6 is a Windows Server 2008-era sync URL that no longer serves WSUS",
    },
    EndpointRule {
        host: "www.update.microsoft.com",
        path_prefixes: &["/v6", "/serversyncwebservice"],
        status: EndpointStatus::Decommissioned,
        note: "www.update.microsoft.com is a Windows Server 2008-era sync URL that no longer serves WSUS",
    },
    EndpointRule {
        host: "sws1.update.microsoft.com",
        path_prefixes: &[],
        status: EndpointStatus::Legacy,
        note: "sws1.update.microsoft.com is the legacy SHA-1-era sync endpoint (RedirectorChangeNumber 3011, TLS 1.0-1.2); Microsoft plans to decommission it",
    },
];

/// The rule that applies to a host and path, if any.
pub fn rule_for(host: &str, path: &str) -> Option<&'static EndpointRule> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let path = path.to_ascii_lowercase();
    ENDPOINT_RULES.iter().find(|r| {
        r.host == host
            && (r.path_prefixes.is_empty() || r.path_prefixes.iter().any(|p| path.starts_with(p)))
    })
}

/// DNS suffixes owned by Microsoft whose certificates should come from Microsoft's (or DigiCert's) CAs.
pub static MICROSOFT_SUFFIXES: &[&str] = &[
    "microsoft.com",
    "windowsupdate.com",
    "windows.com",
    "update.microsoft.com",
    "delivery.mp.microsoft.com",
];

/// Microsoft Update metadata hosts: leaves come from "Microsoft Update Secure Server CA 2.x".
pub static MU_METADATA_SUFFIXES: &[&str] = &["update.microsoft.com", "delivery.mp.microsoft.com"];

/// The issuer common-name prefix of Microsoft Update metadata leaves.
pub const MU_ISSUER_PREFIX: &str = "Microsoft Update Secure Server CA 2.";

/// Organisations whose CAs issue the certificates of Microsoft's other web hosts.
pub static MICROSOFT_ISSUER_ORGS: &[&str] = &["Microsoft", "DigiCert"];

fn has_suffix(host: &str, suffixes: &[&str]) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    suffixes
        .iter()
        .any(|s| host == *s || host.ends_with(&format!(".{s}")))
}

pub fn is_microsoft_host(host: &str) -> bool {
    has_suffix(host, MICROSOFT_SUFFIXES)
}

pub fn is_mu_metadata_host(host: &str) -> bool {
    has_suffix(host, MU_METADATA_SUFFIXES)
}

pub fn is_sync_service_path(path: &str) -> bool {
    path.to_ascii_lowercase()
        .split('?')
        .next()
        .is_some_and(|p| p.ends_with(SYNC_SERVICE_SUFFIX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert_eq!(
            rule_for(
                "FE2.update.microsoft.com",
                "/v6/ServerSyncWebService/ServerSyncWebService.asmx"
            )
            .map(|r| r.status),
            Some(EndpointStatus::Decommissioned)
        );
        assert_eq!(
            rule_for("sws1.update.microsoft.com", "/").map(|r| r.status),
            Some(EndpointStatus::Legacy)
        );
        assert!(
            rule_for(
                "sws.update.microsoft.com",
                "/ServerSyncWebService/ServerSyncWebService.asmx"
            )
            .is_none()
        );
        assert!(rule_for("www.update.microsoft.com", "/").is_none());
        assert!(rule_for("update.microsoft.com", "/v6/").is_some());
    }

    #[test]
    fn ownership() {
        assert!(is_microsoft_host("sws.update.microsoft.com"));
        assert!(is_mu_metadata_host("fe3cr.delivery.mp.microsoft.com."));
        assert!(!is_mu_metadata_host("download.windowsupdate.com"));
        assert!(is_microsoft_host("download.windowsupdate.com"));
        assert!(!is_microsoft_host("notmicrosoft.com"));
        assert!(!is_microsoft_host("microsoft.com.evil.test"));
        assert!(is_sync_service_path(
            "/ServerSyncWebService/ServerSyncWebService.asmx?x=1"
        ));
    }
}

/// What a catalog entry is for (research/microsoft-update-facts.md §0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Sync,
    Content,
    Client,
    Catalog,
    Redirect,
    /// Never fails a sweep on its own.
    Legacy,
}

/// Each role: its name (`--only`, the table, CSV) and what it covers.
const ROLES: &[(Role, &str, &str)] = &[
    (
        Role::Sync,
        "sync",
        "metadata synchronisation (WSUS ↔ Microsoft Update), HTTPS",
    ),
    (Role::Content, "content", "update files, mostly plain HTTP"),
    (
        Role::Client,
        "client",
        "Windows Update client and service locator endpoints",
    ),
    (
        Role::Catalog,
        "catalog",
        "the manual Microsoft Update Catalog import",
    ),
    (Role::Redirect, "redirect", "links and redirectors"),
    (
        Role::Legacy,
        "legacy",
        "old names still listed; they may not answer and never fail a sweep on their own",
    ),
];

impl Role {
    pub const ALL: &'static [Role] = &[
        Role::Sync,
        Role::Content,
        Role::Client,
        Role::Catalog,
        Role::Redirect,
        Role::Legacy,
    ];

    fn row(self) -> &'static (Role, &'static str, &'static str) {
        ROLES
            .iter()
            .find(|(r, _, _)| *r == self)
            .unwrap_or(&ROLES[0])
    }

    pub fn as_str(self) -> &'static str {
        self.row().1
    }

    /// What entries of this role are for.
    pub fn help(self) -> &'static str {
        self.row().2
    }
}

/// One line of the required-domains list, with the host probed for it.
#[derive(Debug)]
pub struct CatalogEntry {
    /// The pattern as Microsoft lists it, e.g. `https://*.update.microsoft.com`.
    pub listed: &'static str,
    /// The concrete host probed for it.
    pub host: &'static str,
    pub https: bool,
    /// Path requested (the sync service for sws, `/` elsewhere).
    pub path: &'static str,
    pub role: Role,
}

const fn e(
    listed: &'static str,
    host: &'static str,
    https: bool,
    path: &'static str,
    role: Role,
) -> CatalogEntry {
    CatalogEntry {
        listed,
        host,
        https,
        path,
        role,
    }
}

/// The domains a WSUS server needs (Step 2: Configure WSUS, as quoted in the sync-failure guide,
/// seed 001 §4; representative hosts from research/microsoft-update-facts.md §1.5). Microsoft
/// revises this list: check the live documentation.
pub static CATALOG: &[CatalogEntry] = &[
    e(
        "https://*.update.microsoft.com",
        "sws.update.microsoft.com",
        true,
        "/ServerSyncWebService/ServerSyncWebService.asmx",
        Role::Sync,
    ),
    e(
        "https://*.update.microsoft.com",
        "www.update.microsoft.com",
        true,
        "/",
        Role::Client,
    ),
    e(
        "https://*.update.microsoft.com",
        "catalog.update.microsoft.com",
        true,
        "/",
        Role::Catalog,
    ),
    e(
        "http://*.update.microsoft.com",
        "www.update.microsoft.com",
        false,
        "/",
        Role::Client,
    ),
    e(
        "http://windowsupdate.microsoft.com",
        "windowsupdate.microsoft.com",
        false,
        "/",
        Role::Client,
    ),
    e(
        "http://*.windowsupdate.microsoft.com",
        "www.windowsupdate.microsoft.com",
        false,
        "/",
        Role::Legacy,
    ),
    e(
        "https://*.windowsupdate.microsoft.com",
        "www.windowsupdate.microsoft.com",
        true,
        "/",
        Role::Legacy,
    ),
    e(
        "http://*.windowsupdate.com",
        "ctldl.windowsupdate.com",
        false,
        "/",
        Role::Content,
    ),
    e(
        "http://download.windowsupdate.com",
        "download.windowsupdate.com",
        false,
        "/",
        Role::Content,
    ),
    e(
        "http://*.download.windowsupdate.com",
        "au.download.windowsupdate.com",
        false,
        "/",
        Role::Content,
    ),
    e(
        "https://download.microsoft.com",
        "download.microsoft.com",
        true,
        "/",
        Role::Content,
    ),
    e(
        "http://wustat.windows.com",
        "wustat.windows.com",
        false,
        "/",
        Role::Legacy,
    ),
    e(
        "http://ntservicepack.microsoft.com",
        "ntservicepack.microsoft.com",
        false,
        "/",
        Role::Legacy,
    ),
    e(
        "http://go.microsoft.com",
        "go.microsoft.com",
        false,
        "/",
        Role::Redirect,
    ),
    e(
        "http://dl.delivery.mp.microsoft.com",
        "dl.delivery.mp.microsoft.com",
        false,
        "/",
        Role::Content,
    ),
    e(
        "https://dl.delivery.mp.microsoft.com",
        "dl.delivery.mp.microsoft.com",
        true,
        "/",
        Role::Content,
    ),
    e(
        "http://*.delivery.mp.microsoft.com",
        "tlu.dl.delivery.mp.microsoft.com",
        false,
        "/",
        Role::Content,
    ),
    e(
        "https://*.delivery.mp.microsoft.com",
        "fe3cr.delivery.mp.microsoft.com",
        true,
        "/",
        Role::Client,
    ),
];

/// Whether `host` is one the catalog's patterns cover (`*.update.microsoft.com` covers every name
/// under update.microsoft.com) or one the endpoint rules know (the decommissioned and legacy sync
/// endpoints): the Microsoft Update hosts `serve` probes without `--allow-target`.
pub fn catalog_covers(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let listed = |c: &CatalogEntry| {
        let pattern = c.listed.split("://").nth(1).unwrap_or_default();
        let pattern = pattern.split('/').next().unwrap_or_default();
        match pattern.strip_prefix("*.") {
            Some(domain) => host
                .strip_suffix(domain)
                .is_some_and(|sub| sub.len() > 1 && sub.ends_with('.')),
            None => host == pattern,
        }
    };
    CATALOG.iter().any(listed) || ENDPOINT_RULES.iter().any(|r| r.host == host)
}

impl CatalogEntry {
    pub fn url(&self) -> String {
        format!(
            "{}://{}{}",
            if self.https { "https" } else { "http" },
            self.host,
            self.path
        )
    }
}

#[cfg(test)]
mod catalog_tests {
    use super::*;

    #[test]
    fn the_catalog_covers_its_patterns_and_known_endpoints_only() {
        for host in [
            "sws.update.microsoft.com",
            "sws1.update.microsoft.com",
            "SWS1.Update.Microsoft.com.",
            "fe2.update.microsoft.com",
            "update.microsoft.com",
            "a.b.update.microsoft.com",
            "fe3cr.delivery.mp.microsoft.com",
            "anything.delivery.mp.microsoft.com",
            "dl.delivery.mp.microsoft.com",
            "download.windowsupdate.com",
            "au.download.windowsupdate.com",
            "download.microsoft.com",
            "go.microsoft.com",
            "wustat.windows.com",
        ] {
            assert!(catalog_covers(host), "{host} is refused");
        }
        for host in [
            "www.example.com",
            "microsoft.com",
            "login.microsoftonline.com",
            "evilupdate.microsoft.com",
            "update.microsoft.com.attacker.test",
            "sws.update.microsoft.com.attacker.test",
            "delivery.mp.microsoft.com.attacker.test",
            ".update.microsoft.com",
            "upload.microsoft.com",
            "127.0.0.1",
        ] {
            assert!(!catalog_covers(host), "{host} is admitted");
        }
    }

    #[test]
    fn catalog_covers_the_seed_list() {
        // The 16 patterns of seed 001 §4, each probed at least once.
        let patterns: std::collections::BTreeSet<&str> = CATALOG.iter().map(|c| c.listed).collect();
        assert_eq!(patterns.len(), 16, "{patterns:?}");
        for c in CATALOG {
            let pattern_host = c.listed.split("://").nth(1).unwrap();
            let suffix = pattern_host.trim_start_matches("*.");
            assert!(
                c.host == suffix || c.host.ends_with(&format!(".{suffix}")),
                "{} for {}",
                c.host,
                c.listed
            );
            assert_eq!(c.https, c.listed.starts_with("https://"));
            assert!(is_microsoft_host(c.host));
        }
    }
}
