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
