//! Command-line definitions (clap) only. `config.rs` turns these into a validated `Config`.

use std::path::PathBuf;

use clap::builder::PossibleValue;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::knowledge::endpoints::Role;

const AFTER_HELP: &str = "\
Exit codes: 0 every path passed (warnings allowed unless --strict), 1 at least one path failed,
2 bad command line or input file (nothing probed), 3 internal error, 130 interrupted by Ctrl-C
(the paths finished so far are still reported).

Examples:
  wsusprobe check
      Probe the WSUS sync service on sws.update.microsoft.com, the way WSUS reaches it.
  wsusprobe check --json
  wsusprobe check http://wsus01.contoso.test:8530/selfupdate/iuident.cab
  wsusprobe check --dns-server 10.0.0.53 --ca-file corp-root.pem
  wsusprobe check --client-profile win2012r2
  wsusprobe check --proxy http://proxy.contoso.test:8080 --proxy-user 'CONTOSO\\wsus-sync'
      The password comes from WSUSPROBE_PROXY_PASSWORD, or is asked for without echo.
  wsusprobe check --proxy http://proxy.contoso.test:8080 --route both";

/// `0.1.0 (commit 1a2b3c4d5e6f)`: the version and the commit it was built from (build.rs).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("WSUSPROBE_COMMIT"),
    ")"
);

#[derive(Debug, Parser)]
#[command(
    name = "wsusprobe",
    version = VERSION,
    about = "Find where the network path from a WSUS server to Microsoft Update breaks",
    long_about = "Find where the network path from a WSUS server (or a Configuration Manager software update \
point) to Microsoft Update breaks.\n\nwsusprobe walks the same path WSUS uses — endpoint, DNS, TCP, TLS, \
certificate, clock, HTTP — and names the first stage that fails, with its evidence, the Windows error \
code WSUS would log, and the fix.",
    after_help = AFTER_HELP,
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Probe one or more URLs stage by stage (default: the WSUS sync service on sws.update.microsoft.com)
    #[command(after_help = AFTER_HELP)]
    Check(CheckArgs),
    /// Probe every Microsoft Update domain a WSUS server needs and show which the network allows
    #[command(after_help = ALLOWLIST_HELP)]
    Allowlist(AllowlistArgs),
    /// Run a plan file: paths with the outcome each must have (for CI against a proxy lab)
    #[command(after_help = RUN_HELP)]
    Run(RunArgs),
    /// Check a downstream WSUS server's path to its upstream WSUS server (ports, SSL, SelfUpdate)
    Upstream(UpstreamArgs),
    /// Find sync failures in SoftwareDistribution.log, wsyncmgr.log, WCM.log, grouped by cause
    Logs(LogsArgs),
    /// Explain a Windows/WSUS error code or log message: meaning, the stage that reproduces it, the fix
    Explain(ExplainArgs),
    /// List the TLS versions and cipher suites a server accepts, in its preference order
    #[command(after_help = CIPHERS_HELP)]
    Ciphers(CiphersArgs),
    /// Judge this Windows host's own TLS policy (SCHANNEL, .NET, cipher order, w3wp.exe.config),
    /// from the live registry or `reg export` files
    #[command(after_help = HOST_HELP)]
    Host(HostArgs),
    /// Serve probes to Prometheus: GET /probe?target=URL runs one path per scrape (blackbox style)
    #[command(after_help = SERVE_HELP)]
    Serve(ServeArgs),
    /// Print the shell completion script for bash, zsh, fish or powershell
    #[command(after_help = COMPLETIONS_HELP)]
    Completions(CompletionsArgs),
    /// Print the manual page (roff), as the packages install it
    #[command(hide = true)]
    Man,
}

const COMPLETIONS_HELP: &str = "\
Install them where each shell looks:
  wsusprobe completions bash > /etc/bash_completion.d/wsusprobe
  wsusprobe completions zsh > \"${fpath[1]}/_wsusprobe\"
  wsusprobe completions fish > ~/.config/fish/completions/wsusprobe.fish
  wsusprobe completions powershell >> $PROFILE      # Windows PowerShell or PowerShell 7
The .deb installs the bash, zsh and fish ones.";

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

const HOST_HELP: &str = "\
On the WSUS server (an elevated prompt is not needed to read these keys) `wsusprobe host` reads the
live registry and %SystemRoot%\\System32\\inetsrv\\w3wp.exe.config. Anywhere else, give it the
exports; on the WSUS server, in cmd.exe or PowerShell:
  reg export \"HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\" schannel.reg
  reg export \"HKLM\\SOFTWARE\\Microsoft\\.NETFramework\" dotnet64.reg
  reg export \"HKLM\\SOFTWARE\\WOW6432Node\\Microsoft\\.NETFramework\" dotnet32.reg
  reg export \"HKLM\\SOFTWARE\\Policies\\Microsoft\\Cryptography\" cipherpolicy.reg
  reg export \"HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\" os.reg
(the cipher policy key exists only when a GPO sets an order). Parts no file covers are listed
as not read, never guessed. Exit 1 when a finding fails.

Examples:
  wsusprobe host
  wsusprobe host --from-reg schannel.reg --from-reg dotnet64.reg --from-reg dotnet32.reg --from-reg os.reg
  wsusprobe check --client-profile host
  wsusprobe check --client-profile-from-reg schannel.reg --client-profile-from-reg os.reg";

const SERVE_HELP: &str = "\
Prometheus scrapes GET /probe?target=URL[&route=direct|proxy|auto][&module=NAME]; each scrape runs
one path and
answers probe_success, probe_duration_seconds, wsusprobe_stage_ok{stage},
wsusprobe_failure_info{stage,kind,windows_error} and the TLS, certificate and clock series.
GET /metrics answers the exporter's own counters. Only the Microsoft Update catalog's hosts and
those of --allow-target may be probed: anything else is refused (403), so the exporter is not an
open proxy. Network and TLS options apply to every probe; a --config module replaces them for the
scrapes that name it. The scrape's X-Prometheus-Scrape-Timeout-Seconds header shortens --timeout
to fit.

Examples:
  wsusprobe serve
  wsusprobe serve --listen 0.0.0.0:9925 --proxy http://proxy.contoso.test:8080 --allow-target wsus01.contoso.test
  wsusprobe serve --config /etc/wsusprobe/serve.toml     (see testdata/prometheus/serve.toml)";

const ALLOWLIST_HELP: &str = "\
The catalog is Microsoft's list of domains a WSUS server must reach (Step 2: Configure WSUS), with a
real host probed for each wildcard. Microsoft revises the list: compare with the live documentation.
A domain is `blocked` when the path stops at dns, tcp, proxy or tls; `legacy` entries (old names
that may no longer answer) never fail the run on their own.

Examples:
  wsusprobe allowlist --list
  wsusprobe allowlist --proxy http://proxy.contoso.test:8080
  wsusprobe allowlist --only sync --only content --format csv > allowlist.csv";

const RUN_HELP: &str = "\
A plan is TOML: a list of [[path]] with url and expect = \"pass\", \"fail\", or
{ stage = \"proxy\", kind = \"forbidden\" }. Exit 0 only when every expectation holds.
Examples are in testdata/plans/.

Example:
  wsusprobe run testdata/plans/proxy-allowlist.toml --proxy http://127.0.0.1:13133 --format junit";

const CIPHERS_HELP: &str = "\
Each version is enumerated on its own connections, concurrently: offer every remaining suite,
note the one the server picks, remove it, repeat. SSL 3.0 to TLS 1.3, any suite OpenSSL knows plus
the Windows profiles' suites, through a proxy too (each tunnel is authenticated).

Examples:
  wsusprobe ciphers sws.update.microsoft.com
  wsusprobe ciphers wsus01.contoso.test:8531 --json
  wsusprobe ciphers sws.update.microsoft.com --proxy http://proxy.contoso.test:8080";

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// URLs to probe, concurrently. http:// URLs skip the TLS, certificate stages.
    /// Default: https://sws.update.microsoft.com/ServerSyncWebService/ServerSyncWebService.asmx
    #[arg(value_name = "URL", conflicts_with = "wsus_config")]
    pub urls: Vec<String>,

    /// Probe the route this WSUS server is configured to use: the JSON of the "Step 0" export
    /// (UTF-8 or UTF-16), made on the WSUS server with
    ///   (Get-WsusServer).GetConfiguration() | Select-Object SyncFromMicrosoftUpdate,IsReplicaServer,
    ///   MUUrl,RedirectorChangeNumber,UpstreamWsusServerName,UpstreamWsusServerPortNumber,
    ///   UpstreamWsusServerUseSsl,UseProxy,ProxyName,ProxyServerPort,AnonymousProxyAccess,
    ///   HasProxyPassword,UseSeparateProxyForSsl,SslProxyName,SslProxyServerPort |
    ///   ConvertTo-Json | Out-File wsus-config.json
    /// MUUrl (or the upstream server) gives the targets and UseProxy the proxy; the settings are
    /// linted first. --proxy on the command line wins over the file's proxy
    #[arg(long, value_name = "FILE", verbatim_doc_comment)]
    pub wsus_config: Option<PathBuf>,

    #[command(flatten)]
    pub net: NetArgs,

    /// Which route to probe: `auto` uses the proxy when one is given; `both` probes every URL
    /// directly and through the proxy and shows the two verdicts side by side
    #[arg(long, value_enum, default_value = "auto", help_heading = "Proxy")]
    pub route: RouteArg,

    #[command(flatten)]
    pub offer: OfferArgs,

    /// Also trust the CA certificates in this PEM file (repeatable), e.g. a TLS-inspection root.
    /// The system roots and Microsoft Root Certificate Authority 2011 are always trusted
    #[arg(long, value_name = "PEM", help_heading = "TLS")]
    pub ca_file: Vec<PathBuf>,

    /// Print the JSON report (same as --format json)
    #[arg(long, help_heading = "Output")]
    pub json: bool,

    /// Output format
    #[arg(long, value_enum, default_value = "text", help_heading = "Output")]
    pub format: FormatArg,

    /// Treat warnings (legacy endpoint, trusted interception, small clock skew) as failures
    #[arg(long, help_heading = "Output")]
    pub strict: bool,
}

/// What the tls stage offers: shared by `check` and `serve`.
#[derive(Debug, Clone, Args)]
pub struct OfferArgs {
    /// TLS version to offer. WSUS and Microsoft Update use TLS 1.2
    #[arg(long, value_enum, default_value = "1.2", help_heading = "TLS")]
    pub tls_version: TlsVersionArg,

    /// Cipher suites to offer, in order, comma-separated: IANA names
    /// (TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384), Windows GPO names with a curve
    /// (TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P256) or 0xNNNN. Any suite: those the built-in TLS
    /// library cannot speak (CBC, static RSA, DHE) are tested with the raw handshake engine
    #[arg(long, value_name = "LIST", help_heading = "TLS")]
    pub ciphers: Option<String>,

    /// Offer what this Windows version offers by default (versions, suite order, curves):
    /// win2012, win2012r2, win2016, win2019, win2022, dotnet-legacy (a TLS 1.0-only .NET client),
    /// seeds-2020 (the four suites Microsoft Update accepted in 2020). Answers "would this
    /// server's Windows talk to it?" `host` offers what this Windows host's own policy allows
    /// (SCHANNEL protocols, cipher order policy; read from the registry), in its order
    #[arg(long, value_name = "PROFILE", help_heading = "TLS")]
    pub client_profile: Option<String>,

    /// Offer what the host whose `reg export` files these are would offer (repeatable; implies
    /// --client-profile host): see `wsusprobe host --help` for the keys to export
    #[arg(long, value_name = "FILE", help_heading = "TLS")]
    pub client_profile_from_reg: Vec<PathBuf>,
}

/// Name resolution, proxy and time limits: shared by every command that connects.
#[derive(Debug, Clone, Args)]
pub struct NetArgs {
    /// Ask this DNS server instead of the system resolver (IPv6 as [ADDR]:PORT)
    #[arg(long, value_name = "IP[:PORT]", help_heading = "Name resolution")]
    pub dns_server: Option<String>,

    /// Use ADDR for HOST:PORT without asking DNS, as curl does (repeatable; ADDR may be a
    /// comma-separated list, IPv6 in brackets)
    #[arg(long, value_name = "HOST:PORT:ADDR", help_heading = "Name resolution")]
    pub resolve: Vec<String>,

    /// Reach the targets through this HTTP proxy (http://HOST:PORT), as WSUS does with UseProxy,
    /// ProxyName and ProxyServerPort: dns and tcp then apply to the proxy, and a `proxy` stage
    /// sends CONNECT (https://) or forwards the request (http://)
    #[arg(long, value_name = "URL", help_heading = "Proxy")]
    pub proxy: Option<String>,

    /// A separate proxy for https:// targets (WSUS's UseSeparateProxyForSsl, SslProxyName/Port)
    #[arg(long, value_name = "URL", help_heading = "Proxy")]
    pub ssl_proxy: Option<String>,

    /// Proxy user: DOMAIN\user or user@domain for NTLM, any name for Basic. The password is read
    /// from WSUSPROBE_PROXY_PASSWORD or asked for on the terminal without echo; it is never
    /// accepted on the command line and never printed. Without it, a proxy that offers
    /// Negotiate is answered with the identity wsusprobe runs as, as WSUS answers with its
    /// computer account when its console holds no proxy credentials
    #[arg(long, value_name = "USER", help_heading = "Proxy")]
    pub proxy_user: Option<String>,

    /// How to answer the proxy's 407: `auto` takes, with --proxy-user, the strongest scheme
    /// offered that takes a password (NTLM, also inside Negotiate, before Basic), and without
    /// it Negotiate as this process's own identity (Kerberos: a ticket for HTTP/<proxy host>;
    /// on Windows through SSPI, elsewhere GSSAPI's ticket cache or KRB5_CLIENT_KTNAME keytab).
    /// `negotiate` forces the latter
    #[arg(long, value_enum, default_value = "auto", help_heading = "Proxy")]
    pub proxy_auth: ProxyAuthArg,

    /// The service principal Negotiate asks a Kerberos ticket for (default HTTP/<proxy host as
    /// given>, as WinHTTP forms it): for a proxy reached by an alias whose SPN is on its real name
    #[arg(long, value_name = "SPN", help_heading = "Proxy")]
    pub proxy_spn: Option<String>,

    /// The machine's WinHTTP proxy (`netsh winhttp show proxy`), through which Windows fetches a
    /// certificate's missing issuer from its AIA URL — not WSUS's proxy. Default: on Windows
    /// this machine's own (the WinHttpSettings registry value, bypass list included), elsewhere
    /// direct; with --client-profile-from-reg, the exported host's. Authenticates as
    /// --proxy-user / --proxy-auth say
    #[arg(long, value_name = "URL", help_heading = "Proxy")]
    pub winhttp_proxy: Option<String>,

    /// Judge the chain the server sends as it is: do not fetch a missing issuer from its AIA URL
    /// (a firewall team checking the server's own chain)
    #[arg(long, conflicts_with = "winhttp_proxy", help_heading = "Proxy")]
    pub no_aia: bool,

    /// Take the proxy from HTTPS_PROXY / HTTP_PROXY and NO_PROXY. Off by default because WSUS
    /// ignores these variables: it uses only the proxy set in its own configuration
    #[arg(long, help_heading = "Proxy")]
    pub proxy_from_env: bool,

    /// Ignore any proxy and probe directly
    #[arg(
        long,
        conflicts_with_all = ["proxy", "ssl_proxy", "proxy_from_env"],
        help_heading = "Proxy"
    )]
    pub no_proxy: bool,

    /// Which TLS stack judges the handshake: `auto` is rustls, and on Windows one more
    /// handshake through the host's own Schannel (system defaults), whose failure fails the
    /// stage as it would fail WSUS — unless --client-profile, --ciphers or --tls-version 1.3 ask
    /// about another client's offer; `rustls` skips Schannel; `schannel` (Windows) makes
    /// Schannel's outcome the stage's
    #[arg(long, value_enum, default_value = "auto", help_heading = "TLS")]
    pub tls_stack: TlsStackArg,

    /// Give up on a TCP connection attempt after this long (e.g. 10, 2.5s, 500ms)
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "10s",
        help_heading = "Limits"
    )]
    pub connect_timeout: String,

    /// Give up on a whole path after this long; the stage running then fails with `timeout`
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "30s",
        help_heading = "Limits"
    )]
    pub timeout: String,

    /// Probe at most this many paths at once (each holds one or two sockets while it runs);
    /// the others wait their turn, and their --timeout starts when they begin
    #[arg(
        long,
        value_name = "N",
        default_value_t = 32,
        value_parser = clap::value_parser!(u16).range(1..=1024),
        help_heading = "Limits"
    )]
    pub concurrency: u16,
}

#[derive(Debug, Args)]
pub struct AllowlistArgs {
    /// Print the catalog (pattern, host probed, scheme, role) and exit
    #[arg(long)]
    pub list: bool,

    /// Only entries with this role (repeatable)
    #[arg(long, value_name = "ROLE", value_enum)]
    pub only: Vec<Role>,

    /// Only entries whose host contains this text (repeatable)
    #[arg(long, value_name = "TEXT")]
    pub host: Vec<String>,

    /// Sweep through the proxy this WSUS server is configured with (the JSON export of
    /// `check --wsus-config`)
    #[arg(long, value_name = "FILE")]
    pub wsus_config: Option<PathBuf>,

    #[command(flatten)]
    pub net: NetArgs,

    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Args)]
pub struct UpstreamArgs {
    /// The upstream WSUS server, as the downstream names it (UpstreamWsusServerName)
    #[arg(value_name = "HOST")]
    pub host: String,

    /// Its port (UpstreamWsusServerPortNumber): 8530 by default, 8531 with --ssl
    #[arg(long)]
    pub port: Option<u16>,

    /// The downstream synchronises over SSL (UpstreamWsusServerUseSsl)
    #[arg(long)]
    pub ssl: bool,

    #[command(flatten)]
    pub net: NetArgs,

    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// Log files (UTF-8 or UTF-16; large files are streamed). Wildcards are expanded here too,
    /// as cmd.exe and PowerShell do not: "C:\Program Files\Update Services\LogFiles\*.log"
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,

    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A code (0x80072F8F, 80072EFE, 12029, -2147012721) or a phrase from a log, quoted
    /// ("do not possess a common algorithm", "HTTP status 407")
    #[arg(value_name = "CODE|TEXT", required = true, num_args = 1.., allow_negative_numbers = true)]
    pub query: Vec<String>,

    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct HostArgs {
    /// A `reg export` file (UTF-16 as reg.exe writes it, or UTF-8; repeatable). Without any,
    /// the live registry is read (Windows only)
    #[arg(long, value_name = "FILE")]
    pub from_reg: Vec<PathBuf>,

    /// The IIS worker processes' configuration to judge (default on Windows:
    /// %SystemRoot%\System32\inetsrv\w3wp.exe.config; not read with --from-reg unless given)
    #[arg(long, value_name = "FILE")]
    pub w3wp_config: Option<PathBuf>,

    /// WSUS's configuration export (as for `check --wsus-config`): its proxy is compared with
    /// WinHTTP's, the route Windows fetches missing intermediates, CRLs and root updates over
    #[arg(long, value_name = "FILE")]
    pub wsus_config: Option<PathBuf>,

    /// Print the JSON report
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:9925")]
    pub listen: String,

    /// Also allow probes of this host, or of every host under `*.DOMAIN` (repeatable)
    #[arg(long, value_name = "PATTERN")]
    pub allow_target: Vec<String>,

    /// Modules and allowed hosts (TOML): `[modules.NAME]` tables set proxy, proxy_user with
    /// password_env or password_file, ca_files, ciphers, client_profile, tls_version, timeouts,
    /// dns_server, resolve over this command line's values; `allow_targets = [..]` adds hosts.
    /// A scrape picks a module with &module=NAME
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// How many recent probes `/` lists, each with its full report at /report?id=N (kept in
    /// memory, oldest dropped first; 0 keeps none)
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(u32).range(0..=10000))]
    pub history: u32,

    /// Extra trust anchors (PEM), for TLS inspection or a private CA (repeatable)
    #[arg(long, value_name = "FILE", help_heading = "TLS")]
    pub ca_file: Vec<PathBuf>,

    #[command(flatten)]
    pub offer: OfferArgs,

    #[command(flatten)]
    pub net: NetArgs,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The plan file (TOML)
    #[arg(value_name = "PLAN")]
    pub plan: PathBuf,

    #[command(flatten)]
    pub net: NetArgs,

    #[command(flatten)]
    pub report: ReportArgs,
}

/// Extra trust and the output format, shared by allowlist, run and upstream.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Also trust the CA certificates in this PEM file (repeatable), e.g. a TLS-inspection root or
    /// the upstream's issuing CA
    #[arg(long, value_name = "PEM", help_heading = "TLS")]
    pub ca_file: Vec<PathBuf>,

    /// Print JSON (same as --format json)
    #[arg(long, help_heading = "Output")]
    pub json: bool,

    /// Output format
    #[arg(long, value_enum, default_value = "text", help_heading = "Output")]
    pub format: FormatArg,
}

#[derive(Debug, Args)]
pub struct CiphersArgs {
    /// The server: HOST[:PORT] (443 by default) or an https:// URL
    #[arg(value_name = "TARGET")]
    pub target: String,

    /// Server name to send in SNI (default: the target's host name; none for an address)
    #[arg(long, value_name = "NAME", help_heading = "TLS")]
    pub sni: Option<String>,

    #[command(flatten)]
    pub net: NetArgs,

    /// Print the JSON result
    #[arg(long, help_heading = "Output")]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TlsVersionArg {
    #[value(name = "1.2")]
    V12,
    #[value(name = "1.3")]
    V13,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProxyAuthArg {
    Auto,
    Basic,
    Ntlm,
    /// Kerberos (or NTLM inside Negotiate) as the identity wsusprobe runs as, never a password
    Negotiate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TlsStackArg {
    Auto,
    Rustls,
    Schannel,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RouteArg {
    Auto,
    Direct,
    Proxy,
    Both,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Text,
    Json,
    /// JUnit XML: one testcase per path, a failure element carrying stage/kind/message
    Junit,
    /// One row per path with stable columns
    Csv,
    /// One self-contained page to hand over (inline CSS and SVG, no script): the path drawn with
    /// the hop that breaks marked, the verdict, the Windows error, the fix and the evidence
    Html,
}

/// `allowlist --only ROLE`: the catalog's own roles, named and explained by its table.
impl ValueEnum for Role {
    fn value_variants<'a>() -> &'a [Self] {
        Role::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.as_str()).help(self.help()))
    }
}
