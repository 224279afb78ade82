//! (stage, kind) → the Windows error WSUS or the Windows Update agent would log, the .NET text
//! WSUS writes to SoftwareDistribution.log, and the one-sentence fix.
//!
//! Sources: ../shared/seeds/ (error-code table, symptoms) and research/microsoft-update-facts.md §4.
//! This is the single copy of these facts: verdicts and (later) `explain` both read it.

use crate::model::{Kind, Stage};

#[derive(Debug)]
pub struct Fact {
    pub stage: Stage,
    pub kind: Kind,
    /// HRESULT as WinHTTP / WUA log it.
    pub code: &'static str,
    pub name: &'static str,
    /// What WSUS's own sync (a .NET client) writes in SoftwareDistribution.log, where known.
    pub wsus_log: &'static str,
    pub advice: &'static str,
}

const fn f(
    stage: Stage,
    kind: Kind,
    code: &'static str,
    name: &'static str,
    wsus_log: &'static str,
    advice: &'static str,
) -> Fact {
    Fact {
        stage,
        kind,
        code,
        name,
        wsus_log,
        advice,
    }
}

use Kind as K;
use Stage as S;

pub static FACTS: &[Fact] = &[
    // ---- endpoint ----
    f(
        S::Endpoint,
        K::DecommissionedEndpoint,
        "",
        "",
        "SoapException: Fault occurred … ErrorCode=InternalServerError (Actor = https://fe2.update.microsoft.com/v6/…)",
        "Point WSUS at the current endpoint: on the topmost WSUS server set MUUrl = https://sws.update.microsoft.com and RedirectorChangeNumber = 4002 (Get-WsusServer).GetConfiguration(), Save(), then iisreset and restart WsusService.",
    ),
    f(
        S::Endpoint,
        K::LegacyEndpoint,
        "",
        "",
        "",
        "sws1.update.microsoft.com (RedirectorChangeNumber 3011) is kept only for old SHA-1-era servers and will be decommissioned: move Windows Server 2012+ to MUUrl = https://sws.update.microsoft.com with RedirectorChangeNumber = 4002.",
    ),
    // ---- dns ----
    f(
        S::Dns,
        K::Nxdomain,
        "0x80072EE7",
        "ERROR_WINHTTP_NAME_NOT_RESOLVED",
        "WebException: The remote name could not be resolved",
        "The DNS server says the name does not exist: check the name for typos, the DNS server the WSUS host uses (Resolve-DnsName), split-horizon or filtering DNS, and conditional forwarders.",
    ),
    f(
        S::Dns,
        K::NoRecords,
        "0x80072EE7",
        "ERROR_WINHTTP_NAME_NOT_RESOLVED",
        "WebException: The remote name could not be resolved",
        "The name exists but has no address records: check the DNS zone (a filtering resolver often blanks answers) and whether only IPv6/IPv4 records are published.",
    ),
    f(
        S::Dns,
        K::Servfail,
        "0x80072EE7",
        "ERROR_WINHTTP_NAME_NOT_RESOLVED",
        "WebException: The remote name could not be resolved",
        "The DNS server failed to resolve the name (SERVFAIL): check its forwarders and its own internet reach, or DNSSEC validation failures on it.",
    ),
    f(
        S::Dns,
        K::Refused,
        "0x80072EE7",
        "ERROR_WINHTTP_NAME_NOT_RESOLVED",
        "WebException: The remote name could not be resolved",
        "The DNS server refuses to answer for this name (REFUSED): it is not configured to recurse for this client or zone — use the resolver the WSUS host is meant to use, or allow recursion for it.",
    ),
    f(
        S::Dns,
        K::Sinkholed,
        "0x80072EFD",
        "ERROR_WINHTTP_CANNOT_CONNECT",
        "WebException: Unable to connect to the remote server ---> SocketException: The requested address is not valid in its context",
        "The resolver answers with a blocking address (0.0.0.0 or ::), the way DNS filters block a name: no firewall rule is involved. Allow the Microsoft Update domain in the filter's policy (DNS firewall or RPZ, Umbrella, Pi-hole, a Windows DNS query resolution policy) on the server the WSUS host asks, then check with Resolve-DnsName against that server.",
    ),
    f(
        S::Dns,
        K::Timeout,
        "0x80072EE7",
        "ERROR_WINHTTP_NAME_NOT_RESOLVED",
        "WebException: The remote name could not be resolved",
        "No DNS answer arrived in time: check that the DNS server is reachable from the WSUS host (UDP and TCP 53 through the firewall) and is up.",
    ),
    f(
        S::Dns,
        K::Unreachable,
        "0x80072EE7",
        "ERROR_WINHTTP_NAME_NOT_RESOLVED",
        "WebException: The remote name could not be resolved",
        "The DNS server could not be reached (the network answered with an error): check the DNS server address in the adapter settings and the route to it.",
    ),
    // ---- tcp ----
    f(
        S::Tcp,
        K::Refused,
        "0x80072EFD",
        "ERROR_WINHTTP_CANNOT_CONNECT",
        "WebException: Unable to connect to the remote server ---> SocketException: No connection could be made because the target machine actively refused it",
        "Something answered the connection with a reset (nothing listens on that port, or a firewall rejects it): check the port, the service on the far side, and firewall reject rules.",
    ),
    f(
        S::Tcp,
        K::Timeout,
        "0x80072EE2",
        "ERROR_WINHTTP_TIMEOUT",
        "WebException: Unable to connect to the remote server ---> SocketException: A connection attempt failed because the connected party did not properly respond after a period of time",
        "The connection attempt got no answer: a firewall is most likely dropping it. Allow outbound TCP to this host and port, or — if WSUS is meant to use a proxy — configure the proxy in the WSUS console.",
    ),
    f(
        S::Tcp,
        K::Unreachable,
        "0x80072EFD",
        "ERROR_WINHTTP_CANNOT_CONNECT",
        "WebException: Unable to connect to the remote server",
        "The network reports the host unreachable: check the WSUS host's routes and default gateway; without a direct route, a proxy has to be configured in the WSUS console.",
    ),
    f(
        S::Tcp,
        K::Reset,
        "0x80072EFF",
        "ERROR_WINHTTP_CONNECTION_ERROR",
        "WebException: The underlying connection was closed: An unexpected error occurred on a send ---> IOException: An existing connection was forcibly closed by the remote host",
        "The connection was accepted and then reset before any data was sent: a firewall or IPS is cutting it. Check its logs for this destination.",
    ),
    // ---- proxy ----
    f(
        S::Proxy,
        K::AuthRequired,
        "0x8024401B",
        "WU_E_PT_HTTP_STATUS_PROXY_AUTH_REQ",
        "The request failed with HTTP status 407: Proxy Authentication Required",
        "The proxy wants credentials: in the WSUS console (Options > Update Source and Proxy Server) tick \"Use user credentials to connect to the proxy server\" and enter an account the proxy accepts (tick \"Allow basic authentication\" only if the proxy offers nothing else), or let the proxy admit the WSUS server without authentication.",
    ),
    f(
        S::Proxy,
        K::AuthRejected,
        "0x8024401B",
        "WU_E_PT_HTTP_STATUS_PROXY_AUTH_REQ",
        "The request failed with HTTP status 407: Proxy Authentication Required",
        "The proxy rejected the credentials: check the user name (DOMAIN\\user), the password and whether the account is locked or expired, then re-enter them in the WSUS console proxy settings.",
    ),
    f(
        S::Proxy,
        K::Forbidden,
        "0x80244018",
        "WU_E_PT_HTTP_STATUS_FORBIDDEN",
        "The request failed with HTTP status 403: Forbidden",
        "The proxy's policy blocks this destination: allow the Microsoft Update domains (*.update.microsoft.com, *.windowsupdate.com, download.microsoft.com, *.delivery.mp.microsoft.com …) for the WSUS server on the proxy — or, when the message finds a port rule instead (an upstream WSUS on 8531, say), allow that port for CONNECT.",
    ),
    f(
        S::Proxy,
        K::UpstreamDnsFailed,
        "0x8024402C",
        "WU_E_PT_WINHTTP_NAME_NOT_RESOLVED",
        "The request failed with HTTP status 503: Service Unavailable (500 from Squid 4-6)",
        "The proxy cannot resolve the name with its own DNS (local DNS on the WSUS server proves nothing here): fix the proxy's DNS servers or forwarders, and check its logs for the lookup.",
    ),
    f(
        S::Proxy,
        K::UpstreamUnreachable,
        "0x80244022",
        "WU_E_PT_HTTP_STATUS_SERVICE_UNAVAIL",
        "The request failed with HTTP status 503: Service Unavailable",
        "The proxy resolved the name but cannot connect to it: check the proxy's own outbound firewall rules and routes to Microsoft Update, and its upstream proxy if it chains to one.",
    ),
    f(
        S::Proxy,
        K::UpstreamTimeout,
        "0x80244023",
        "WU_E_PT_HTTP_STATUS_GATEWAY_TIMEOUT",
        "The request failed with HTTP status 504: Gateway Timeout",
        "The proxy's connection to Microsoft Update timed out: a firewall behind the proxy is dropping it — allow the proxy outbound TCP 443/80 to the Microsoft Update domains.",
    ),
    f(
        S::Proxy,
        K::Unavailable,
        "0x80244022",
        "WU_E_PT_HTTP_STATUS_SERVICE_UNAVAIL",
        "The request failed with HTTP status 503: Service Unavailable",
        "The proxy says it is unavailable: check the proxy service and its logs.",
    ),
    f(
        S::Proxy,
        K::Timeout,
        "0x80072EE2",
        "ERROR_WINHTTP_TIMEOUT",
        "WebException: The operation has timed out",
        "The proxy accepted the connection but did not answer the CONNECT in time: check the proxy's load and logs, and that this is the right proxy port.",
    ),
    f(
        S::Proxy,
        K::Closed,
        "0x80072EFE",
        "ERROR_WINHTTP_CONNECTION_ERROR",
        "WebException: The underlying connection was closed: The connection was closed unexpectedly",
        "The proxy closed or reset the connection instead of answering the CONNECT: check that ProxyName/ProxyServerPort point at an HTTP proxy port, and the proxy's logs.",
    ),
    f(
        S::Proxy,
        K::NotHttp,
        "0x80072F78",
        "ERROR_WINHTTP_INVALID_SERVER_RESPONSE",
        "WebException: The server committed a protocol violation",
        "What answers on the proxy port does not speak HTTP (a TLS port, SOCKS, or another service): check ProxyName and ProxyServerPort in the WSUS configuration.",
    ),
    f(
        S::Proxy,
        K::UnexpectedStatus,
        "0x8024402B",
        "WU_E_PT_HTTP_STATUS_NOT_MAPPED",
        "The request failed with HTTP status <N>",
        "The proxy answered the CONNECT with an unexpected status: see the status line and its error page in the detail.",
    ),
    // ---- tls ----
    f(
        S::Tls,
        K::ProtocolVersion,
        "0x80072EFE",
        "ERROR_WINHTTP_CONNECTION_ERROR",
        "WebException: The underlying connection was closed: An unexpected error occurred on a send",
        "Client and server share no TLS version. Microsoft Update requires TLS 1.2: on Windows Server 2012/2012 R2 install the Monthly Rollup with the WSUS TLS 1.2 fix (KB4022721 / KB4022720 or later), make sure TLS 1.2 is not disabled under SCHANNEL\\Protocols, and set SchUseStrongCrypto=1 for .NET. When the message finds the server the one behind (TLS 1.0/1.1 only) or ahead (TLS 1.3 only), it is the server's configuration that must change.",
    ),
    f(
        S::Tls,
        K::NoCommonCipher,
        "0x80072EFE",
        "ERROR_WINHTTP_CONNECTION_ERROR",
        "WebException: The underlying connection was closed: An unexpected error occurred on a receive ---> Win32Exception: The client and server cannot communicate, because they do not possess a common algorithm",
        "The server accepts none of the cipher suites offered. Microsoft Update accepts TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 / _128_GCM_SHA256 (and the _CBC_SHA384/_SHA256 variants): check the SSL Cipher Suite Order policy (gpresult /scope computer) and Get-TlsCipherSuite, and re-enable them.",
    ),
    f(
        S::Tls,
        K::Reset,
        "0x80072EFE",
        "ERROR_WINHTTP_CONNECTION_ERROR",
        "WebException: The underlying connection was closed: An unexpected error occurred on a send ---> IOException: An existing connection was forcibly closed by the remote host",
        "The TLS handshake was answered with a reset. Microsoft Update resets clients that offer only TLS 1.0/1.1 or no accepted cipher; a firewall or IPS can do the same. Check TLS 1.2 and the cipher order, then the firewall's TLS policy for this destination — when the message finds the name (SNI) is what is blocked, its SNI, URL-category or application rule for the Microsoft Update domains.",
    ),
    f(
        S::Tls,
        K::Closed,
        "0x80072EFE",
        "ERROR_WINHTTP_CONNECTION_ERROR",
        "IOException: Authentication failed because the remote party has closed the transport stream",
        "The peer closed the connection during the TLS handshake: a proxy or firewall that refuses the destination, or a server that rejects the offered TLS version or suites. Check TLS 1.2 and cipher policy, then the middlebox logs — when the message finds the name (SNI) is what is blocked, its SNI, URL-category or application rule for the Microsoft Update domains.",
    ),
    f(
        S::Tls,
        K::Timeout,
        "0x80072EE2",
        "ERROR_WINHTTP_TIMEOUT",
        "WebException: The operation has timed out",
        "The TLS handshake got no answer in time: a middlebox swallowed the ClientHello or the server is overloaded. Check firewall/IPS TLS inspection rules for this destination.",
    ),
    f(
        S::Tls,
        K::NotTls,
        "0x80072F78",
        "ERROR_WINHTTP_INVALID_SERVER_RESPONSE",
        "WebException: The underlying connection was closed: An unexpected error occurred on a send",
        "Something answered the TLS handshake in plaintext — typically a block page or captive portal of a web filter, or a plain HTTP service on an HTTPS port. Allow the Microsoft Update domains on the filter, or fix the port/scheme.",
    ),
    f(
        S::Tls,
        K::Malformed,
        "0x80090326",
        "SEC_E_ILLEGAL_MESSAGE",
        "AuthenticationException: A call to SSPI failed, see inner exception. ---> The message received was unexpected or badly formatted",
        "The server (or a middlebox in the path) sent TLS that breaks the protocol: an oversized or truncated record, a handshake message larger than allowed, or messages out of order. Capture the handshake and check the TLS inspection device or the server's TLS stack.",
    ),
    f(
        S::Tls,
        K::Alert,
        "0x80072F7D",
        "ERROR_WINHTTP_SECURE_CHANNEL_ERROR",
        "WebException: The request was aborted: Could not create SSL/TLS secure channel",
        "The server ended the handshake with a TLS alert: see its description in the stage detail; check the TLS policy of the server or of the inspecting middlebox.",
    ),
    // ---- certificate ----
    f(
        S::Certificate,
        K::Expired,
        "0x80072F05",
        "ERROR_WINHTTP_SECURE_CERT_DATE_INVALID",
        "WebException: The underlying connection was closed: Could not establish trust relationship for the SSL/TLS secure channel",
        "A certificate in the chain has expired: renew it on the server (or on the inspecting proxy). Check the local clock first if the certificate should be current.",
    ),
    f(
        S::Certificate,
        K::NotYetValid,
        "0x80072F05",
        "ERROR_WINHTTP_SECURE_CERT_DATE_INVALID",
        "WebException: The underlying connection was closed: Could not establish trust relationship for the SSL/TLS secure channel",
        "A certificate in the chain is not valid yet: the local clock is probably behind — check date, time zone and the time source (w32tm /query /status).",
    ),
    f(
        S::Certificate,
        K::NameMismatch,
        "0x80072F06",
        "ERROR_WINHTTP_SECURE_CERT_CN_INVALID",
        "WebException: The underlying connection was closed: Could not establish trust relationship for the SSL/TLS secure channel",
        "The certificate does not name the host you connected to: use the FQDN the certificate is issued to (not a NetBIOS name or an IP address), or reissue the certificate with that name in its SAN.",
    ),
    f(
        S::Certificate,
        K::UnknownIssuer,
        "0x80072F0D",
        "ERROR_WINHTTP_SECURE_INVALID_CA",
        "WebException: The underlying connection was closed: Could not establish trust relationship for the SSL/TLS secure channel",
        "The chain ends at a root this machine does not trust: import the root CA into Local Computer\\Trusted Root Certification Authorities (intermediates go to Intermediate Certification Authorities, never to Trusted Root). A leaf sent alone by a private CA looks the same as a missing intermediate: the message says which the evidence (AIA URL, issuer name) favours.",
    ),
    f(
        S::Certificate,
        K::IncompleteChain,
        "0x80072F0D",
        "ERROR_WINHTTP_SECURE_INVALID_CA",
        "WebException: The underlying connection was closed: Could not establish trust relationship for the SSL/TLS secure channel",
        "The server does not send the certificate that issued its own: configure it to send the full chain (leaf + intermediate), or import the intermediate into Local Computer\\Intermediate Certification Authorities. Windows can fetch it via AIA only if that URL is reachable.",
    ),
    f(
        S::Certificate,
        K::SelfSigned,
        "0x80072F0D",
        "ERROR_WINHTTP_SECURE_INVALID_CA",
        "WebException: The underlying connection was closed: Could not establish trust relationship for the SSL/TLS secure channel",
        "The server presents a self-signed certificate: issue one from a CA the WSUS hosts trust, or import this certificate into Local Computer\\Trusted Root Certification Authorities on every client of it.",
    ),
    f(
        S::Certificate,
        K::Intercepted,
        "0x800B0109",
        "CERT_E_UNTRUSTEDROOT",
        "WebException: The underlying connection was closed: Could not establish trust relationship for the SSL/TLS secure channel",
        "A TLS-inspecting proxy or firewall re-signs Microsoft's certificate. Bypass TLS inspection for the Microsoft Update domains (the documented fix — Windows Update pins its issuer), or, as a test, deploy the inspection root to Local Computer\\Trusted Root.",
    ),
    f(
        S::Certificate,
        K::BadSignature,
        "0x80072F89",
        "ERROR_WINHTTP_SECURE_INVALID_CERT",
        "WebException: The underlying connection was closed: Could not establish trust relationship for the SSL/TLS secure channel",
        "A certificate's signature does not verify against its issuer (corrupted, forged, or an unsupported algorithm): reinstall the correct certificate chain on the server.",
    ),
    f(
        S::Certificate,
        K::UnknownCriticalExtension,
        "0x800B0105",
        "CERT_E_CRITICAL",
        "WebException: The underlying connection was closed: Could not establish trust relationship for the SSL/TLS secure channel",
        "A certificate in the chain carries an extension marked critical that Windows does not know, so the chain is refused whatever its issuer: reissue the certificate without it (or, behind TLS inspection, fix the inspection CA's template).",
    ),
    // ---- clock ----
    f(
        S::Clock,
        K::Skew,
        "0x80072F8F",
        "ERROR_WINHTTP_SECURE_FAILURE",
        "WebException: The underlying connection was closed: Could not establish trust relationship for the SSL/TLS secure channel",
        "The local clock disagrees with the server's: fix date, time zone and the time source (w32tm /query /status, w32tm /resync) before touching certificates.",
    ),
    // ---- http ----
    f(
        S::Http,
        K::Unauthorized,
        "0x80244017",
        "WU_E_PT_HTTP_STATUS_DENIED",
        "The request failed with HTTP status 401: Unauthorized",
        "The service asks for authentication: on a WSUS upstream, DssAuthWebService and ServerSyncWebService must allow anonymous access in IIS.",
    ),
    f(
        S::Http,
        K::Forbidden,
        "0x80244018",
        "WU_E_PT_HTTP_STATUS_FORBIDDEN",
        "The request failed with HTTP status 403: Forbidden",
        "The request was forbidden: a web filter or the server's IIS configuration (SSL settings, IP restrictions, client-certificate requirement) rejects it. Check which of them sent the page (see Server header).",
    ),
    f(
        S::Http,
        K::NotFound,
        "0x80244019",
        "WU_E_PT_HTTP_STATUS_NOT_FOUND",
        "The request failed with HTTP status 404: Not Found",
        "The path does not exist there: check the URL, the port (8530/8531 for WSUS 6.2+, 80/443 before) and that the WSUS virtual directories exist in IIS.",
    ),
    f(
        S::Http,
        K::ServerError,
        "0x8024401F",
        "WU_E_PT_HTTP_STATUS_SERVER_ERROR",
        "The request failed with HTTP status 500: Internal Server Error",
        "The service failed internally: read the server's SoftwareDistribution.log and Application event log, and check WsusPool and the WSUS database.",
    ),
    f(
        S::Http,
        K::BadGateway,
        "0x80244021",
        "WU_E_PT_HTTP_STATUS_BAD_GATEWAY",
        "The request failed with HTTP status 502: Proxy Error",
        "A gateway between you and the service could not reach it: check the reverse proxy / load balancer in front of the service.",
    ),
    f(
        S::Http,
        K::ServiceUnavailable,
        "0x80244022",
        "WU_E_PT_HTTP_STATUS_SERVICE_UNAVAIL",
        "The request failed with HTTP status 503: Service Unavailable",
        "The service is unavailable: on a WSUS upstream, check that WsusPool is running and not recycling on its private-memory limit, and the WSUS service and database are up.",
    ),
    f(
        S::Http,
        K::Timeout,
        "0x80072EE2",
        "ERROR_WINHTTP_TIMEOUT",
        "WebException: The operation has timed out",
        "The connection works but the service did not answer in time: check the server's load (WsusPool, database) or a middlebox holding the request.",
    ),
    f(
        S::Http,
        K::SoapFault,
        "0x80244007",
        "WU_E_PT_SOAPCLIENT_SOAPFAULT",
        "SoapException: Fault occurred",
        "The sync service was reached and answered with a SOAP fault: the network path works; read the ErrorCode in the detail (InternalServerError on an old endpoint means MUUrl is wrong).",
    ),
    f(
        S::Http,
        K::NotService,
        "0x80244009",
        "WU_E_PT_SOAPCLIENT_READ",
        "WebException: The response content type does not match / client found response content type of 'text/html'",
        "Something other than the WSUS sync service answered (a proxy page, portal or web server): find who sent it (Server header, page title) and let the request through to Microsoft Update.",
    ),
    f(
        S::Http,
        K::NotHttp,
        "0x80072F78",
        "ERROR_WINHTTP_INVALID_SERVER_RESPONSE",
        "WebException: The server committed a protocol violation",
        "The answer is not HTTP: the port serves another protocol, or a middlebox mangles the stream.",
    ),
    f(
        S::Http,
        K::Closed,
        "0x80072EFE",
        "ERROR_WINHTTP_CONNECTION_ERROR",
        "WebException: The underlying connection was closed: The connection was closed unexpectedly",
        "The connection was closed before an HTTP answer arrived: a middlebox or the server drops the request — check their logs.",
    ),
    f(
        S::Http,
        K::UnexpectedStatus,
        "0x8024402B",
        "WU_E_PT_HTTP_STATUS_NOT_MAPPED",
        "The request failed with HTTP status <N>",
        "The service answered with an unexpected HTTP status: see the status line in the detail.",
    ),
    // ---- host (the WSUS host's own policy) ----
    f(
        S::Host,
        K::Tls12ClientDisabled,
        "0x80072EFE",
        "ERROR_WINHTTP_CONNECTION_ERROR",
        "WebException: The underlying connection was closed: An unexpected error occurred on a send",
        "Turn TLS 1.2 back on for clients: under HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Client set Enabled=1 and DisabledByDefault=0 (or delete the key), find the GPO or hardening script that wrote them (gpresult /scope computer), then restart the server.",
    ),
    f(
        S::Host,
        K::LegacyProtocolsOnly,
        "0x80072EFE",
        "ERROR_WINHTTP_CONNECTION_ERROR",
        "WebException: The underlying connection was closed: An unexpected error occurred on a send",
        "This host offers nothing newer than TLS 1.1, and Microsoft Update's sync service takes TLS 1.2 only: create HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Client with Enabled=1 and DisabledByDefault=0, set SchUseStrongCrypto=1 and SystemDefaultTlsVersions=1 for .NET, restart, and move WSUS to a supported Windows Server.",
    ),
    f(
        S::Host,
        K::DotnetStrongCryptoMissing,
        "0x80072EFE",
        "ERROR_WINHTTP_CONNECTION_ERROR",
        "WebException: The underlying connection was closed: An unexpected error occurred on a send",
        "Let .NET Framework use the system's TLS versions and strong suites: set the DWORDs SchUseStrongCrypto=1 and SystemDefaultTlsVersions=1 under HKLM\\SOFTWARE\\Microsoft\\.NETFramework\\v4.0.30319 and HKLM\\SOFTWARE\\WOW6432Node\\Microsoft\\.NETFramework\\v4.0.30319, then Restart-Service WsusService, W3SVC (or restart the server). Without them the Catalog import and ConfigMgr's sync send a TLS 1.0 hello that Microsoft Update resets.",
    ),
    f(
        S::Host,
        K::CipherOrderExcludesMicrosoftUpdate,
        "0x80072EFE",
        "ERROR_WINHTTP_CONNECTION_ERROR",
        "WebException: The underlying connection was closed: An unexpected error occurred on a receive ---> Win32Exception: The client and server cannot communicate, because they do not possess a common algorithm",
        "The SSL Cipher Suite Order policy replaces Windows' list, and suites not in it are never offered: add a suite Microsoft Update accepts to the GPO (Computer Configuration > Administrative Templates > Network > SSL Configuration Settings; find it with gpresult /scope computer) or to the Functions value of HKLM\\SOFTWARE\\Policies\\Microsoft\\Cryptography\\Configuration\\SSL\\00010002, then restart the server.",
    ),
    f(
        S::Host,
        K::W3wpTlsSwitchMissing,
        "0x80072EFE",
        "ERROR_WINHTTP_CONNECTION_ERROR",
        "The underlying connection was closed: An unexpected error occurred on a send",
        "The Catalog import runs in IIS worker processes: add <runtime><AppContextSwitchOverrides value=\"Switch.System.Net.DontEnableSystemDefaultTlsVersions=false\"/></runtime> under <configuration> in %SystemRoot%\\System32\\inetsrv\\w3wp.exe.config (create the file if needed; it applies to every w3wp.exe), then iisreset — or set the .NET registry values, which cover it too.",
    ),
    f(
        S::Host,
        K::WinhttpDirectWsusProxied,
        "0x800B010A",
        "CERT_E_CHAINING",
        "WebException: The underlying connection was closed: Could not establish trust relationship for the SSL/TLS secure channel",
        "Windows fetches a missing intermediate (AIA), CRLs and root updates through WinHTTP's route, which is direct here while WSUS goes through its proxy: where the firewall lets only the proxy out, those fetches fail. Give WinHTTP the same proxy (netsh winhttp set proxy proxy.contoso.com:8080 \"<local>\"; netsh winhttp show proxy to check), or allow the AIA/CRL hosts direct.",
    ),
    f(
        S::Host,
        K::RootAutoUpdateDisabled,
        "0x800B0109",
        "CERT_E_UNTRUSTEDROOT",
        "WebException: The underlying connection was closed: Could not establish trust relationship for the SSL/TLS secure channel",
        "Automatic root update is off (DisableRootAutoUpdate=1), so Windows never fetches a root it lacks from ctldl.windowsupdate.com: every root a chain needs must already be in LocalMachine\\Root. Microsoft Update's chain ends at Microsoft Root Certificate Authority 2011, which every supported Windows ships; check it is there (certutil -store Root) or distribute the roots by GPO, or turn the policy off (Computer Configuration > Administrative Templates > System > Internet Communication Management > Internet Communication settings > Turn off Automatic Root Certificates Update).",
    ),
];

/// Windows Update's code for an HTTP status, as it logs a proxy's or server's answer.
pub static HTTP_STATUS_CODES: &[(u16, &str, &str)] = &[
    (400, "0x80244016", "WU_E_PT_HTTP_STATUS_BAD_REQUEST"),
    (401, "0x80244017", "WU_E_PT_HTTP_STATUS_DENIED"),
    (403, "0x80244018", "WU_E_PT_HTTP_STATUS_FORBIDDEN"),
    (404, "0x80244019", "WU_E_PT_HTTP_STATUS_NOT_FOUND"),
    (405, "0x8024401A", "WU_E_PT_HTTP_STATUS_BAD_METHOD"),
    (407, "0x8024401B", "WU_E_PT_HTTP_STATUS_PROXY_AUTH_REQ"),
    (408, "0x8024401C", "WU_E_PT_HTTP_STATUS_REQUEST_TIMEOUT"),
    (500, "0x8024401F", "WU_E_PT_HTTP_STATUS_SERVER_ERROR"),
    (501, "0x80244020", "WU_E_PT_HTTP_STATUS_NOT_SUPPORTED"),
    (502, "0x80244021", "WU_E_PT_HTTP_STATUS_BAD_GATEWAY"),
    (503, "0x80244022", "WU_E_PT_HTTP_STATUS_SERVICE_UNAVAIL"),
    (504, "0x80244023", "WU_E_PT_HTTP_STATUS_GATEWAY_TIMEOUT"),
    (505, "0x80244024", "WU_E_PT_HTTP_STATUS_VERSION_NOT_SUP"),
];

/// The code WU logs for an HTTP status (0x8024402B for statuses it does not map).
pub fn for_http_status(status: u16) -> (&'static str, &'static str) {
    HTTP_STATUS_CODES
        .iter()
        .find(|(s, _, _)| *s == status)
        .map(|(_, c, n)| (*c, *n))
        .unwrap_or(("0x8024402B", "WU_E_PT_HTTP_STATUS_NOT_MAPPED"))
}

/// What WSUS's SOAP client writes for an HTTP error status: "The request failed with HTTP status
/// 500: Internal Server Error" (the reason from `status_line`, `500 Internal Server Error`).
pub fn failed_with_status(status: u16, status_line: Option<&str>) -> String {
    let reason = status_line
        .and_then(|l| l.split_once(' '))
        .map(|(_, r)| r.trim())
        .filter(|r| !r.is_empty());
    match reason {
        Some(r) => format!("The request failed with HTTP status {status}: {r}"),
        None => format!("The request failed with HTTP status {status}"),
    }
}

/// Proxy kinds whose Windows code follows the status the proxy sent (a Squid 503 and a
/// 502 from another proxy are logged differently).
pub fn code_follows_status(stage: Stage, kind: Kind) -> bool {
    stage == Stage::Proxy
        && matches!(
            kind,
            Kind::UpstreamUnreachable
                | Kind::UpstreamTimeout
                | Kind::Unavailable
                | Kind::UnexpectedStatus
        )
}

/// The fact for a (stage, kind), if the table has one.
pub fn lookup(stage: Stage, kind: Kind) -> Option<&'static Fact> {
    FACTS.iter().find(|f| f.stage == stage && f.kind == kind)
}

/// The command that tests each stage, for `explain`.
pub static STAGE_COMMANDS: &[(Stage, &str)] = &[
    (
        Stage::Endpoint,
        "wsusprobe check https://<MUUrl host>/ServerSyncWebService/ServerSyncWebService.asmx",
    ),
    (
        Stage::Dns,
        "wsusprobe check --dns-server <the DNS server the WSUS host uses>",
    ),
    (
        Stage::Tcp,
        "wsusprobe check --proxy http://<proxy>:<port> --route both",
    ),
    (
        Stage::Proxy,
        "wsusprobe check --proxy http://<proxy>:<port> --proxy-user 'DOMAIN\\user'",
    ),
    (
        Stage::Tls,
        "wsusprobe check --client-profile <win2012r2|win2016|win2019|win2022>; wsusprobe ciphers sws.update.microsoft.com",
    ),
    (
        Stage::Certificate,
        "wsusprobe check --ca-file <the inspection or corporate root>.pem",
    ),
    (
        Stage::Clock,
        "wsusprobe check (the clock stage compares the local time with the server's Date)",
    ),
    (
        Stage::Http,
        "wsusprobe check https://<upstream>:8531/ClientWebService/client.asmx",
    ),
    (
        Stage::Host,
        "wsusprobe host (on the WSUS server), or wsusprobe host --from-reg <reg export files>",
    ),
];

pub fn command_for(stage: Stage) -> &'static str {
    STAGE_COMMANDS
        .iter()
        .find(|(s, _)| *s == stage)
        .map(|(_, c)| *c)
        .unwrap_or("wsusprobe check")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_line_follows_the_status() {
        assert_eq!(
            failed_with_status(500, Some("500 Internal Server Error")),
            "The request failed with HTTP status 500: Internal Server Error"
        );
        assert_eq!(
            failed_with_status(503, Some("503")),
            "The request failed with HTTP status 503"
        );
        assert_eq!(
            failed_with_status(502, None),
            "The request failed with HTTP status 502"
        );
    }

    #[test]
    fn no_duplicate_rows() {
        for (i, a) in FACTS.iter().enumerate() {
            for b in &FACTS[i + 1..] {
                assert!(
                    !(a.stage == b.stage && a.kind == b.kind),
                    "duplicate {:?}/{:?}",
                    a.stage,
                    a.kind
                );
            }
        }
    }

    #[test]
    fn codes_are_hresults() {
        for f in FACTS {
            if !f.code.is_empty() {
                assert!(
                    f.code.starts_with("0x8") && f.code.len() == 10,
                    "{}",
                    f.code
                );
            }
        }
    }
}
