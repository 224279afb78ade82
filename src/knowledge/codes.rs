//! Windows error codes as administrators meet them in logs: what each means. Which probe stage
//! and kind reproduce a code is not repeated here — it is read from `winerr::FACTS`, the table the
//! verdicts use, so `explain` and `check` cannot disagree.

use crate::model::Stage;

#[derive(Debug)]
pub struct Code {
    pub hresult: u32,
    pub name: &'static str,
    pub meaning: &'static str,
    /// Stages that report this code for any of their kinds (WinHTTP folds every certificate
    /// problem into one code, for instance).
    pub whole_stages: &'static [Stage],
}

const fn c(
    hresult: u32,
    name: &'static str,
    meaning: &'static str,
    whole_stages: &'static [Stage],
) -> Code {
    Code {
        hresult,
        name,
        meaning,
        whole_stages,
    }
}

pub static CODES: &[Code] = &[
    c(
        0x8007_2EE2,
        "ERROR_WINHTTP_TIMEOUT",
        "The request timed out: a connection attempt or an answer that never came (also raised by TCP time-outs).",
        &[],
    ),
    c(
        0x8007_2EE7,
        "ERROR_WINHTTP_NAME_NOT_RESOLVED",
        "The server name cannot be resolved: the target's name when direct, the proxy's name when WSUS uses a proxy.",
        &[],
    ),
    c(
        0x8007_2EFD,
        "ERROR_WINHTTP_CANNOT_CONNECT",
        "The connection to the server (or proxy) could not be made: refused or unreachable.",
        &[],
    ),
    c(
        0x8007_2EFE,
        "ERROR_WINHTTP_CONNECTION_ERROR",
        "The connection was reset or ended, or the TLS negotiation failed (no common version or cipher suite).",
        &[],
    ),
    c(
        0x8007_2EFF,
        "ERROR_INTERNET_CONNECTION_RESET",
        "The connection was reset by the peer or a middlebox.",
        &[],
    ),
    c(
        0x8007_2F05,
        "ERROR_WINHTTP_SECURE_CERT_DATE_INVALID",
        "A certificate is outside its validity period by the local clock.",
        &[Stage::Clock],
    ),
    c(
        0x8007_2F06,
        "ERROR_WINHTTP_SECURE_CERT_CN_INVALID",
        "The certificate does not name the host connected to.",
        &[],
    ),
    c(
        0x8007_2F0D,
        "ERROR_WINHTTP_SECURE_INVALID_CA",
        "The certificate chain ends at a CA this machine does not trust.",
        &[],
    ),
    c(
        0x8007_2F78,
        "ERROR_WINHTTP_INVALID_SERVER_RESPONSE",
        "The answer could not be parsed: not HTTP, or not TLS.",
        &[],
    ),
    c(
        0x8007_2F7D,
        "ERROR_WINHTTP_SECURE_CHANNEL_ERROR",
        "The TLS channel failed (an alert, a refused version).",
        &[],
    ),
    c(
        0x8007_2F89,
        "ERROR_WINHTTP_SECURE_INVALID_CERT",
        "The certificate is invalid (bad signature, unparsable).",
        &[],
    ),
    c(
        0x8007_2F8F,
        "ERROR_WINHTTP_SECURE_FAILURE",
        "One or more errors in the server's certificate — or a local date/time that makes it look invalid. Check the clock first.",
        &[Stage::Certificate, Stage::Clock],
    ),
    c(
        0x8009_0300,
        "SEC_E_INSUFFICIENT_MEMORY",
        "Not enough memory for the security package.",
        &[],
    ),
    c(
        0x8009_0301,
        "SEC_E_INVALID_HANDLE",
        "A security handle that is not valid (a bug, or a context already freed).",
        &[],
    ),
    c(
        0x8009_0302,
        "SEC_E_UNSUPPORTED_FUNCTION",
        "The security package does not support the request: for Schannel, often a protocol or option the host's policy turned off.",
        &[],
    ),
    c(
        0x8009_0303,
        "SEC_E_TARGET_UNKNOWN",
        "Kerberos knows no service principal for the target (the SPN HTTP/<proxy>): the proxy is reached by a name with no SPN.",
        &[],
    ),
    c(
        0x8009_0304,
        "SEC_E_INTERNAL_ERROR",
        "The security package failed internally; Schannel also returns it when the server ends the handshake.",
        &[],
    ),
    c(
        0x8009_0305,
        "SEC_E_SECPKG_NOT_FOUND",
        "The security package (Negotiate, Kerberos, Schannel) is not installed.",
        &[],
    ),
    c(
        0x8009_0308,
        "SEC_E_INVALID_TOKEN",
        "The token from the peer is not valid: a proxy's Negotiate answer or a TLS message that does not parse.",
        &[],
    ),
    c(
        0x8009_030C,
        "SEC_E_LOGON_DENIED",
        "The logon was denied: wrong credentials, or an account the domain refuses.",
        &[],
    ),
    c(
        0x8009_030E,
        "SEC_E_NO_CREDENTIALS",
        "No credentials are available in the security package: no Kerberos ticket or logon session for this identity.",
        &[],
    ),
    c(
        0x8009_030F,
        "SEC_E_MESSAGE_ALTERED",
        "A TLS record failed its integrity check: something on the path changed it.",
        &[],
    ),
    c(
        0x8009_0311,
        "SEC_E_NO_AUTHENTICATING_AUTHORITY",
        "No authority could be contacted: for Kerberos no domain controller; for Schannel no protocol version left to offer.",
        &[],
    ),
    c(
        0x8009_0317,
        "SEC_E_CONTEXT_EXPIRED",
        "The security context (a Kerberos ticket) has expired.",
        &[],
    ),
    c(
        0x8009_0318,
        "SEC_E_INCOMPLETE_MESSAGE",
        "The TLS message is incomplete: the connection ended in the middle of a record.",
        &[],
    ),
    c(
        0x8009_0322,
        "SEC_E_WRONG_PRINCIPAL",
        "The server's certificate does not name the host asked for.",
        &[],
    ),
    c(
        0x8009_0324,
        "SEC_E_TIME_SKEW",
        "The clocks of client and server (or KDC) differ by more than Kerberos allows (5 minutes).",
        &[],
    ),
    c(
        0x8009_0325,
        "SEC_E_UNTRUSTED_ROOT",
        "The server's chain ends at a root this host does not trust.",
        &[],
    ),
    c(
        0x8009_0327,
        "SEC_E_CERT_UNKNOWN",
        "The server's certificate could not be processed.",
        &[],
    ),
    c(
        0x8009_0328,
        "SEC_E_CERT_EXPIRED",
        "The server's certificate has expired (or the local clock is wrong).",
        &[],
    ),
    c(
        0x8009_0330,
        "SEC_E_DECRYPT_FAILURE",
        "A TLS record could not be decrypted.",
        &[],
    ),
    c(
        0x8009_0331,
        "SEC_E_ALGORITHM_MISMATCH",
        "Client and server have no cipher suite (or protocol version) in common: the server refused every suite this host's Schannel offered.",
        &[],
    ),
    c(
        0x8009_0342,
        "SEC_E_KDC_UNKNOWN_ETYPE",
        "The KDC does not support the encryption type asked for.",
        &[],
    ),
    c(
        0x8009_0326,
        "SEC_E_ILLEGAL_MESSAGE",
        "Schannel received a TLS message that was unexpected or badly formatted: a fatal alert, or a malformed record from the server or a middlebox.",
        &[Stage::Tls],
    ),
    c(
        0x800B_0105,
        "CERT_E_CRITICAL",
        "A certificate carries an unknown extension marked critical, so Windows refuses the chain.",
        &[Stage::Certificate],
    ),
    c(
        0x800B_0109,
        "CERT_E_UNTRUSTEDROOT",
        "The chain does not end at a trusted root (WSUS: \"not Microsoft Root CA signed\"): often TLS inspection.",
        &[],
    ),
    c(
        0x800B_010A,
        "CERT_E_CHAINING",
        "Windows could not build the chain to a trusted root: an issuer is missing and could not be fetched (its AIA URL unreachable over WinHTTP's route).",
        &[Stage::Host],
    ),
    c(
        0x8024_4007,
        "WU_E_PT_SOAPCLIENT_SOAPFAULT",
        "The service answered with a SOAP fault: the network path works.",
        &[],
    ),
    c(
        0x8024_4009,
        "WU_E_PT_SOAPCLIENT_READ",
        "The answer could not be read as the expected SOAP message (a web page or proxy page answered).",
        &[],
    ),
    c(
        0x8024_4016,
        "WU_E_PT_HTTP_STATUS_BAD_REQUEST",
        "HTTP 400.",
        &[],
    ),
    c(
        0x8024_4017,
        "WU_E_PT_HTTP_STATUS_DENIED",
        "HTTP 401: the service requires authentication.",
        &[],
    ),
    c(
        0x8024_4018,
        "WU_E_PT_HTTP_STATUS_FORBIDDEN",
        "HTTP 403: refused by the server or by the proxy's policy.",
        &[],
    ),
    c(
        0x8024_4019,
        "WU_E_PT_HTTP_STATUS_NOT_FOUND",
        "HTTP 404: wrong path or port.",
        &[],
    ),
    c(
        0x8024_401B,
        "WU_E_PT_HTTP_STATUS_PROXY_AUTH_REQ",
        "HTTP 407: the proxy requires (other) credentials.",
        &[],
    ),
    c(
        0x8024_401F,
        "WU_E_PT_HTTP_STATUS_SERVER_ERROR",
        "HTTP 500: the service failed.",
        &[],
    ),
    c(
        0x8024_4021,
        "WU_E_PT_HTTP_STATUS_BAD_GATEWAY",
        "HTTP 502: a gateway or proxy could not reach the service.",
        &[],
    ),
    c(
        0x8024_4022,
        "WU_E_PT_HTTP_STATUS_SERVICE_UNAVAIL",
        "HTTP 503: the service (or the proxy) is unavailable.",
        &[],
    ),
    c(
        0x8024_4023,
        "WU_E_PT_HTTP_STATUS_GATEWAY_TIMEOUT",
        "HTTP 504: the proxy's connection onward timed out.",
        &[],
    ),
    c(
        0x8024_402B,
        "WU_E_PT_HTTP_STATUS_NOT_MAPPED",
        "An HTTP status Windows Update does not map.",
        &[],
    ),
    c(
        0x8024_402C,
        "WU_E_PT_WINHTTP_NAME_NOT_RESOLVED",
        "The proxy or target name cannot be resolved — often the proxy's own DNS.",
        &[Stage::Dns],
    ),
];

/// Parse `0x80072F8F`, `80072F8F`, a signed or unsigned decimal HRESULT, or a WinHTTP error number
/// (12175 → 0x80072F8F).
pub fn parse_code(s: &str) -> Option<u32> {
    let t = s.trim();
    let hex = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X"));
    if let Some(h) = hex {
        return u32::from_str_radix(h, 16).ok();
    }
    if t.len() == 8
        && t.chars().all(|c| c.is_ascii_hexdigit())
        && t.chars().any(|c| c.is_ascii_alphabetic())
    {
        return u32::from_str_radix(t, 16).ok();
    }
    let n: i64 = t.parse().ok()?;
    match n {
        12000..=12999 => Some(0x8007_0000 | n as u32),
        n if n < 0 && n >= i32::MIN as i64 => Some(n as i32 as u32),
        n if (0..=u32::MAX as i64).contains(&n) => Some(n as u32),
        _ => None,
    }
}

pub fn lookup(hresult: u32) -> Option<&'static Code> {
    CODES.iter().find(|c| c.hresult == hresult)
}

pub fn hex(hresult: u32) -> String {
    format!("0x{hresult:08X}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_forms_logs_use() {
        assert_eq!(parse_code("0x80072F8F"), Some(0x8007_2F8F));
        assert_eq!(parse_code("80072efe"), Some(0x8007_2EFE));
        assert_eq!(parse_code("12175"), Some(0x8007_2F8F));
        assert_eq!(parse_code("-2147012721"), Some(0x8007_2F8F));
        assert_eq!(parse_code("2147954575"), Some(0x8007_2F8F));
        assert_eq!(parse_code("hello"), None);
        assert_eq!(parse_code("0xZZ"), None);
        assert_eq!(parse_code("99999999999999"), None);
    }

    #[test]
    fn every_fact_code_is_described() {
        for f in crate::knowledge::winerr::FACTS {
            if let Some(code) = parse_code(f.code) {
                assert!(
                    lookup(code).is_some(),
                    "{} ({}) has no description",
                    f.code,
                    f.name
                );
            }
        }
    }
}
