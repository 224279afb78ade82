//! Where a Windows host keeps the TLS policy WSUS depends on, and what each Windows Server
//! version does by default (seeds 001 and 002; research/microsoft-update-facts.md §1.4, §5).

/// SCHANNEL's per-protocol keys: `<this>\<protocol>\Client`.
pub const SCHANNEL: &str = r"HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL";
pub const SCHANNEL_PROTOCOLS: &str =
    r"HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols";

/// .NET Framework 4's settings, 64-bit view then 32-bit view (WOW6432Node).
pub const DOTNET_VIEWS: &[(&str, &str, &str)] = &[
    (
        "64-bit",
        r"HKLM\SOFTWARE\Microsoft\.NETFramework",
        r"HKLM\SOFTWARE\Microsoft\.NETFramework\v4.0.30319",
    ),
    (
        "32-bit",
        r"HKLM\SOFTWARE\WOW6432Node\Microsoft\.NETFramework",
        r"HKLM\SOFTWARE\WOW6432Node\Microsoft\.NETFramework\v4.0.30319",
    ),
];
pub const STRONG_CRYPTO: &str = "SchUseStrongCrypto";
pub const SYSTEM_DEFAULT_TLS: &str = "SystemDefaultTlsVersions";

/// The SSL Cipher Suite Order group policy: the `Functions` value lists the suites, in order.
pub const CIPHER_POLICY: &str =
    r"HKLM\SOFTWARE\Policies\Microsoft\Cryptography\Configuration\SSL\00010002";
pub const CIPHER_POLICY_ROOT: &str = r"HKLM\SOFTWARE\Policies\Microsoft\Cryptography";
pub const CIPHER_FUNCTIONS: &str = "Functions";

/// WinHTTP's machine proxy (`netsh winhttp set proxy`): the binary `WinHttpSettings` value.
pub const WINHTTP_CONNECTIONS: &str =
    r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections";
pub const WINHTTP_SETTINGS: &str = "WinHttpSettings";

/// The automatic root update policy (Certificate Path Validation Settings / "Turn off Automatic
/// Root Certificates Update"): `DisableRootAutoUpdate`, `EnableDisallowedCertAutoUpdate`.
pub const AUTHROOT_POLICY: &str = r"HKLM\SOFTWARE\Policies\Microsoft\SystemCertificates\AuthRoot";
pub const AUTHROOT_POLICY_ROOT: &str = r"HKLM\SOFTWARE\Policies\Microsoft\SystemCertificates";
pub const DISABLE_ROOT_AUTO_UPDATE: &str = "DisableRootAutoUpdate";
pub const ENABLE_DISALLOWED_AUTO_UPDATE: &str = "EnableDisallowedCertAutoUpdate";

/// The Windows version: `CurrentBuild` (or `CurrentBuildNumber`) and `ProductName`.
pub const CURRENT_VERSION: &str = r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion";

/// Installed packages; a package key named after the TLS 1.2 sync fix proves it is there.
pub const CBS_PACKAGES: &str =
    r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\Packages";

/// The AppContext switch that lets w3wp.exe (the Catalog import) use the system's TLS versions.
pub const W3WP_SWITCH: &str = "Switch.System.Net.DontEnableSystemDefaultTlsVersions";
pub const W3WP_CONFIG: &str = r"%SystemRoot%\System32\inetsrv\w3wp.exe.config";

/// The client protocols judged, with their SCHANNEL key names, highest first.
pub const PROTOCOLS: &[(&str, u16)] = &[
    ("TLS 1.3", 0x0304),
    ("TLS 1.2", 0x0303),
    ("TLS 1.1", 0x0302),
    ("TLS 1.0", 0x0301),
];

/// What a Windows Server build does by default.
#[derive(Debug)]
pub struct WindowsBuild {
    pub build: u32,
    pub name: &'static str,
    /// The `--client-profile` whose suite and curve order it offers.
    pub profile: &'static str,
    /// Client protocols on when SCHANNEL has no key for them.
    pub default_protocols: &'static [u16],
    /// The Monthly Rollup that brought WSUS its TLS 1.2 sync (2012 / 2012 R2 only).
    pub sync_fix: Option<&'static str>,
}

const TLS10_12: &[u16] = &[0x0303, 0x0302, 0x0301];

pub static BUILDS: &[WindowsBuild] = &[
    WindowsBuild {
        build: 7601,
        name: "Windows Server 2008 R2 / 7 SP1",
        profile: "win2012",
        // TLS 1.1 and 1.2 exist but are off for clients until SCHANNEL enables them.
        default_protocols: &[0x0301],
        sync_fix: None,
    },
    WindowsBuild {
        build: 9200,
        name: "Windows Server 2012",
        profile: "win2012",
        default_protocols: TLS10_12,
        sync_fix: Some("KB4022721"),
    },
    WindowsBuild {
        build: 9600,
        name: "Windows Server 2012 R2",
        profile: "win2012r2",
        default_protocols: TLS10_12,
        sync_fix: Some("KB4022720"),
    },
    WindowsBuild {
        build: 14393,
        name: "Windows Server 2016",
        profile: "win2016",
        default_protocols: TLS10_12,
        sync_fix: None,
    },
    WindowsBuild {
        build: 17763,
        name: "Windows Server 2019",
        profile: "win2019",
        default_protocols: TLS10_12,
        sync_fix: None,
    },
    WindowsBuild {
        build: 20348,
        name: "Windows Server 2022",
        profile: "win2022",
        default_protocols: &[0x0304, 0x0303, 0x0302, 0x0301],
        sync_fix: None,
    },
    WindowsBuild {
        build: 26100,
        name: "Windows Server 2025",
        profile: "win2022",
        default_protocols: &[0x0304, 0x0303, 0x0302, 0x0301],
        sync_fix: None,
    },
];

/// The entry for a build: the exact one, else the newest older one (a client build between
/// server releases behaves like the server before it).
pub fn build(build: u32) -> Option<&'static WindowsBuild> {
    BUILDS.iter().rev().find(|b| b.build <= build)
}

/// The suites Microsoft Update's sync service accepts (seeds 002: the August 2020 list).
pub const MICROSOFT_UPDATE_SUITES: &[u16] = &[0xc030, 0xc02f, 0xc028, 0xc027];

/// How to name them in a cipher order policy: Windows Server 2012 / 2012 R2 spell the curve.
pub fn suites_to_add(build: Option<u32>) -> &'static [&'static str] {
    match build {
        Some(b) if b < 10000 => &[
            "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P256",
            "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P384",
            "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256_P256",
            "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256_P384",
        ],
        _ => &[
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_map_to_known_profiles() {
        for b in BUILDS {
            assert!(
                crate::knowledge::suites::profile(b.profile).is_some(),
                "{}",
                b.name
            );
        }
        assert_eq!(build(9600).unwrap().name, "Windows Server 2012 R2");
        assert_eq!(build(19045).unwrap().name, "Windows Server 2019");
        assert!(build(6002).is_none());
    }
}
