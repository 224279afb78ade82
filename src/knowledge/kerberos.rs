//! Why a Negotiate (Kerberos) answer to a proxy fails, and the fix: the signs a security
//! library's error text carries (MIT GSSAPI's words, SSPI's `SEC_E_*` names), each cause's
//! words, the verdict's fix, and the SSPI status codes by name. Data only.

use crate::model::Kind;

/// Why no Kerberos token could be made, or why the proxy refused it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// No ticket and no key for this identity (empty ticket cache, no machine keytab, a local
    /// account on Windows).
    NoCredentials,
    /// The KDC knows no account with the proxy's service principal.
    UnknownSpn,
    /// This host's clock and the KDC's differ by more than Kerberos allows.
    ClockSkew,
    /// No KDC (domain controller) answered.
    NoKdc,
    /// The ticket the identity holds has expired.
    Expired,
    /// The KDC issued a ticket, and the proxy refused the token made from it.
    ProxyRefused,
    /// Built without a Kerberos library (the `gssapi` feature off).
    NotBuiltIn,
    /// Anything else the library says.
    Other,
}

/// Text in a library's error that names its cause: MIT krb5's messages (what GSSAPI's minor
/// status says) and SSPI's status names. Checked in order; the first match wins.
const SIGNS: &[(&str, Cause)] = &[
    ("not found in Kerberos database", Cause::UnknownSpn),
    ("SEC_E_TARGET_UNKNOWN", Cause::UnknownSpn),
    ("Clock skew too great", Cause::ClockSkew),
    ("SEC_E_TIME_SKEW", Cause::ClockSkew),
    ("Cannot contact any KDC", Cause::NoKdc),
    ("Cannot find KDC", Cause::NoKdc),
    ("SEC_E_NO_AUTHENTICATING_AUTHORITY", Cause::NoKdc),
    ("SEC_E_KDC_UNKNOWN_ETYPE", Cause::NoKdc),
    ("Ticket expired", Cause::Expired),
    ("SEC_E_CONTEXT_EXPIRED", Cause::Expired),
    ("No Kerberos credentials available", Cause::NoCredentials),
    ("No credentials cache found", Cause::NoCredentials),
    ("No credentials were supplied", Cause::NoCredentials),
    ("Credentials cache file", Cause::NoCredentials),
    ("Key table", Cause::NoCredentials),
    ("SEC_E_NO_CREDENTIALS", Cause::NoCredentials),
    ("SEC_E_LOGON_DENIED", Cause::NoCredentials),
    ("not built with Kerberos", Cause::NotBuiltIn),
];

/// The cause a library's error text names.
pub fn cause_of(library_text: &str) -> Cause {
    let lower = library_text.to_ascii_lowercase();
    SIGNS
        .iter()
        .find(|(sign, _)| lower.contains(&sign.to_ascii_lowercase()))
        .map(|(_, c)| *c)
        .unwrap_or(Cause::Other)
}

/// Each cause: what happened (`{spn}`, `{identity}` filled in) and the fix.
const WORDS: &[(Cause, &str, &str)] = &[
    (
        Cause::NoCredentials,
        "this process has no Kerberos credentials to answer the proxy's Negotiate with",
        "WSUS answers as the computer account (it runs as NETWORK SERVICE): run wsusprobe as that identity — a scheduled task as SYSTEM, or `psexec -s` — and check `klist` shows a ticket; on Linux `kinit`, or KRB5_CLIENT_KTNAME=<keytab> for a machine keytab",
    ),
    (
        Cause::UnknownSpn,
        "the KDC knows no account with the service principal {spn}",
        "the proxy is reached by a name its account has no SPN for (an alias, a load-balancer name or an IP): `setspn -Q {spn}` finds none — use the proxy's registered name in WSUS's proxy settings, or register it on the proxy's account (`setspn -S {spn} DOMAIN\\proxy-account`)",
    ),
    (
        Cause::ClockSkew,
        "this host's clock and the KDC's differ by more than Kerberos allows (5 minutes)",
        "synchronise the clock with the domain (`w32tm /resync`, and check `w32tm /query /status`; on Linux chrony or systemd-timesyncd)",
    ),
    (
        Cause::NoKdc,
        "no KDC (domain controller) answered for the identity's realm",
        "the WSUS host must reach a domain controller on port 88 (TCP and UDP): `nltest /dsgetdc:<domain>`; on Linux check the realm's kdc in krb5.conf",
    ),
    (
        Cause::Expired,
        "the identity's Kerberos ticket has expired",
        "get a new one: `klist purge` and retry (Windows renews the computer account's tickets itself); on Linux `kinit`",
    ),
    (
        Cause::ProxyRefused,
        "the KDC issued a ticket for {spn}{identity}, and the proxy refused it",
        "the proxy cannot decrypt tickets for {spn}: its keytab is out of date (the account's key changed since it was exported) or the SPN is registered on another account — re-export the keytab (ktpass or msktutil), reload the proxy (Squid: `squid -k reconfigure`), and check `setspn -Q {spn}` names the proxy's account only",
    ),
    (
        Cause::NotBuiltIn,
        "this wsusprobe was built without Kerberos (the cargo feature `gssapi`)",
        "build it with `cargo build --release --features gssapi` (needs libkrb5-dev and libclang), or give --proxy-user if the proxy also offers NTLM or Basic",
    ),
    (
        Cause::Other,
        "the security library could not make a Negotiate token for {spn}",
        "check this identity can get a ticket for it: `klist get {spn}` on Windows, `kvno {spn}` on Linux",
    ),
];

/// What happened, in words, with `spn` and `identity` (" as alice@LAB.TEST", or empty) filled in.
pub fn what(cause: Cause, spn: &str, identity: &str) -> String {
    fill(words(cause).0, spn, identity)
}

/// The fix, with `spn` filled in.
pub fn fix(cause: Cause, spn: &str) -> String {
    fill(words(cause).1, spn, "")
}

fn words(cause: Cause) -> (&'static str, &'static str) {
    WORDS
        .iter()
        .find(|(c, _, _)| *c == cause)
        .map(|(_, w, f)| (*w, *f))
        .unwrap_or(("", ""))
}

fn fill(text: &str, spn: &str, identity: &str) -> String {
    text.replace("{spn}", spn).replace("{identity}", identity)
}

/// The fix of a proxy verdict reached with Negotiate as the process's own identity — WSUS with
/// no credentials in its console — in place of the password advice of `winerr`.
const ADVICE: &[(Kind, &str)] = &[
    (
        Kind::AuthRequired,
        "With no proxy credentials in its console, WSUS answers the proxy's Negotiate with the computer account's Kerberos ticket: fix what the message names (the account's ticket, the proxy's SPN, the clock, the domain controller) rather than typing a password into the console — or let the proxy admit the WSUS server's account.",
    ),
    (
        Kind::AuthRejected,
        "The proxy refused the Kerberos ticket the WSUS host's account got for it: the proxy side must change (its keytab or SPN registration, as the message says), or its policy must admit the WSUS server's computer account.",
    ),
];

/// The Kerberos fix for a proxy verdict of `kind`, if it has one.
pub fn advice(kind: Kind) -> Option<&'static str> {
    ADVICE.iter().find(|(k, _)| *k == kind).map(|(_, a)| *a)
}

/// A proxy that offers only Negotiate and answered NTLM inside it with a bare 407.
pub const NTLM_REFUSED: &str = "the proxy offers only Negotiate and did not take NTLM inside it: it accepts Kerberos only (Squid's negotiate_kerberos_auth, for one). WSUS answers it with the computer account's Kerberos ticket when its console holds no proxy credentials: drop --proxy-user to answer with this process's own Kerberos identity (run as the account WSUS uses), and clear the credentials in the WSUS console";

/// `SEC_E_NO_CREDENTIALS (0x8009030E): …` for an SSPI status (names and words in `codes`).
pub fn sspi_status(code: u32) -> String {
    match super::codes::lookup(code) {
        Some(c) => format!("{} (0x{code:08X}): {}", c.name, c.meaning),
        None => format!("SSPI status 0x{code:08X}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_words_name_the_cause() {
        let mit = "Unspecified GSS failure.  Minor code may provide more information (Server HTTP/alias.lab.test@LAB.TEST not found in Kerberos database)";
        assert_eq!(cause_of(mit), Cause::UnknownSpn);
        assert_eq!(
            cause_of(
                "No credentials were supplied, or the credentials were unavailable or inaccessible (No Kerberos credentials available (default cache: FILE:/tmp/x))"
            ),
            Cause::NoCredentials
        );
        assert_eq!(cause_of("... (Clock skew too great)"), Cause::ClockSkew);
        assert_eq!(cause_of(&sspi_status(0x8009_030E)), Cause::NoCredentials);
        assert_eq!(cause_of(&sspi_status(0x8009_0303)), Cause::UnknownSpn);
        assert_eq!(cause_of(&sspi_status(0x8009_0324)), Cause::ClockSkew);
        assert_eq!(cause_of("something new"), Cause::Other);
        assert_eq!(sspi_status(0x1234), "SSPI status 0x00001234");
    }

    #[test]
    fn every_cause_has_words() {
        for c in [
            Cause::NoCredentials,
            Cause::UnknownSpn,
            Cause::ClockSkew,
            Cause::NoKdc,
            Cause::Expired,
            Cause::ProxyRefused,
            Cause::NotBuiltIn,
            Cause::Other,
        ] {
            assert!(!what(c, "HTTP/p", "").is_empty() && !fix(c, "HTTP/p").is_empty());
        }
        assert!(what(Cause::ProxyRefused, "HTTP/p", " as a@R").contains("HTTP/p as a@R"));
    }
}
