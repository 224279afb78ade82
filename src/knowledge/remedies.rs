//! The fixes a stage's message names when the finding itself decides them — which policy, which
//! rule, which zone, which side must change. (The general fix of each failure kind is `winerr`'s advice.)
//! Data only: a message is the finding in the stage's words, then one of these.

/// A fix a finding can call for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remedy {
    /// A chain ending at a root nobody here trusts.
    DeployOrganisationRoot,
    /// A public CA's intermediate the server left out.
    ServerSendsIntermediate,
    /// A missing issuer the leaf's AIA URL names.
    FetchedFromAia,
    /// An issuer Windows could fetch, but the server should send.
    SendFullChain,
    /// An issuer Windows cannot fetch over WinHTTP's route.
    LetWinHttpFetchIssuer,
    /// An issuer that looks like a private CA.
    DeployPrivateRoot,
    /// A 407 and no credentials given.
    GiveProxyUser,
    /// A proxy that refuses CONNECT to the port, not the name (`{port}`).
    AllowConnectPort,
    /// A proxy whose own DNS cannot resolve `{host}`.
    ProxyDns,
    /// A proxy whose next hop (a parent proxy) is down.
    ProxyNextHop,
    /// A client offer without any suite the server accepts.
    AddSuiteToOrderPolicy,
    /// A filter that blocks by the name in the hello (`{host}`).
    FindSniRule,
    /// An alias whose target (`{name}`) does not resolve.
    FixDeadAlias,
    /// Full-size packets lost on the path (a path-MTU black hole).
    ClampMss,
    /// A TLS 1.3-only server.
    ServerAcceptsTls12Too,
    /// A server that stops below TLS 1.2.
    ServerEnablesTls12,
}

/// Each fix's words; `{host}` and `{port}` are filled in by `fill`.
const REMEDIES: &[(Remedy, &str)] = &[
    (
        Remedy::DeployOrganisationRoot,
        "if it is your organisation's CA, deploy it to the trusted root store (LocalMachine\\Root on the WSUS host; --ca-file to check), otherwise the server's chain is wrong",
    ),
    (
        Remedy::ServerSendsIntermediate,
        "the server must send it with its certificate",
    ),
    (
        Remedy::FetchedFromAia,
        "Windows fetches it from there if the WSUS host can reach that URL, but the server should send it",
    ),
    (
        Remedy::DeployPrivateRoot,
        "deploy its root (with --ca-file to check) — unless it is an intermediate the server should send",
    ),
    (Remedy::GiveProxyUser, "give --proxy-user"),
    (
        Remedy::SendFullChain,
        "have the server send its full chain, so that no sync depends on that fetch",
    ),
    (
        Remedy::LetWinHttpFetchIssuer,
        "Windows fetches it through WinHTTP's route, not WSUS's proxy: set the machine's WinHTTP proxy (`netsh winhttp set proxy <proxy:port>`; check with --winhttp-proxy) or allow the URL on the firewall — or have the server send its full chain",
    ),
    (
        Remedy::AllowConnectPort,
        "allow the port for CONNECT (Squid: `acl SSL_ports port {port}`, which `http_access deny CONNECT !SSL_ports` checks)",
    ),
    (
        Remedy::ProxyDns,
        "the proxy's resolver must answer for {host} (its DNS servers, or a forwarder for the zone)",
    ),
    (
        Remedy::ProxyNextHop,
        "ask the proxy's administrators about the chain behind it (Squid: the cache_peer parent it must use, with never_direct) — nothing on the WSUS side fixes it",
    ),
    (
        Remedy::AddSuiteToOrderPolicy,
        "add one to the SSL Cipher Suite Order policy (HKLM\\SOFTWARE\\Policies\\Microsoft\\Cryptography\\Configuration\\SSL\\00010002, value Functions)",
    ),
    (
        Remedy::FindSniRule,
        "look for an SNI, URL-category or application rule for {host} on the firewall or proxy, not an address rule",
    ),
    (
        Remedy::FixDeadAlias,
        "the fix is on {name}'s zone (its record) or on the alias, not on the name WSUS asks for",
    ),
    (
        Remedy::ClampMss,
        "clamp the TCP MSS on the tunnel or firewall (for example to 1360 on an IPsec link), or let ICMP \"fragmentation needed\" (type 3, code 4) through so path-MTU discovery works",
    ),
    (
        Remedy::ServerAcceptsTls12Too,
        "the server side must also accept TLS 1.2 (check the client side with --tls-version 1.3)",
    ),
    (
        Remedy::ServerEnablesTls12,
        "the server side must enable TLS 1.2",
    ),
];

/// The words of `r`, its placeholders left as they are.
pub fn text(r: Remedy) -> &'static str {
    REMEDIES
        .iter()
        .find(|(k, _)| *k == r)
        .map_or("", |(_, t)| t)
}

/// The words of `r` with each `{name}` of `values` filled in.
pub fn fill(r: Remedy, values: &[(&str, &str)]) -> String {
    values.iter().fold(text(r).to_string(), |t, (name, value)| {
        t.replace(&format!("{{{name}}}"), value)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_remedy_has_words_and_only_known_placeholders() {
        let all = [
            Remedy::DeployOrganisationRoot,
            Remedy::ServerSendsIntermediate,
            Remedy::FetchedFromAia,
            Remedy::DeployPrivateRoot,
            Remedy::SendFullChain,
            Remedy::LetWinHttpFetchIssuer,
            Remedy::GiveProxyUser,
            Remedy::AllowConnectPort,
            Remedy::ProxyDns,
            Remedy::ProxyNextHop,
            Remedy::AddSuiteToOrderPolicy,
            Remedy::FindSniRule,
            Remedy::FixDeadAlias,
            Remedy::ClampMss,
            Remedy::ServerAcceptsTls12Too,
            Remedy::ServerEnablesTls12,
        ];
        assert_eq!(REMEDIES.len(), all.len());
        for r in all {
            let filled = fill(r, &[("host", "h"), ("port", "1"), ("name", "n")]);
            assert!(!filled.is_empty(), "{r:?}");
            assert!(!filled.contains('{'), "{r:?}: {filled}");
        }
        assert_eq!(
            fill(Remedy::FindSniRule, &[("host", "sws.update.microsoft.com")]),
            "look for an SNI, URL-category or application rule for sws.update.microsoft.com on the firewall or proxy, not an address rule"
        );
    }
}
