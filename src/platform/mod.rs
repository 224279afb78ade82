//! What differs by operating system, each side behind `cfg` in its own file: the trust stores
//! that count for WSUS, whether output must stay ASCII, whether a connection's MSS can be set,
//! and the security library that answers a proxy's Negotiate with the process's own identity
//! (SSPI in `sspi.rs` — the one module where `unsafe` is allowed — GSSAPI in `gss.rs`).

use std::io;
use std::net::SocketAddr;

use rustls::pki_types::CertificateDer;

#[cfg(not(windows))]
mod unix;
#[cfg(not(windows))]
use unix as os;
#[cfg(windows)]
mod windows;
#[cfg(windows)]
use windows as os;

mod plain;
pub use plain::PlainWriter;

#[cfg(windows)]
mod schannel_tls;
#[cfg(windows)]
#[allow(unsafe_code)]
mod sspi;
#[cfg(windows)]
use sspi as kerberos;
#[cfg(all(unix, feature = "gssapi"))]
mod gss;
#[cfg(all(unix, feature = "gssapi"))]
use gss as kerberos;
#[cfg(not(any(windows, all(unix, feature = "gssapi"))))]
mod kerberos {
    pub const LIBRARY: &str = "none (built without the gssapi feature)";
    pub enum Never {}
    pub type Context = Never;
    impl Never {
        pub fn identity(&self) -> Option<String> {
            match *self {}
        }
        pub fn step(&mut self, _: Option<&[u8]>) -> Result<Option<Vec<u8>>, String> {
            match *self {}
        }
    }
    pub fn client(_spn: &str) -> Result<Never, String> {
        Err("wsusprobe was not built with Kerberos: the gssapi feature is off".into())
    }
}

/// What one handshake through Schannel did: the bytes each way, and its status (`Err(Some)`:
/// an SSPI code; `Err(None)`: the connection failed under it).
pub struct SchannelRun {
    pub sent: Vec<u8>,
    pub received: Vec<u8>,
    pub status: Result<(), Option<u32>>,
}

/// One handshake through Windows' Schannel with the system's defaults, on `stream`, for
/// `host`. `None` where there is no Schannel (anything but Windows).
pub fn schannel_handshake(stream: std::net::TcpStream, host: &str) -> Option<SchannelRun> {
    #[cfg(windows)]
    {
        Some(schannel_tls::handshake(stream, host))
    }
    #[cfg(not(windows))]
    {
        let _ = (stream, host);
        None
    }
}

/// Whether this system has Schannel to cross-check a handshake with.
pub const HAS_SCHANNEL: bool = cfg!(windows);

/// The security library Negotiate uses here, as the report names it.
pub const NEGOTIATE_LIBRARY: &str = kerberos::LIBRARY;

/// A Negotiate client context with the identity this process runs as: SSPI's default
/// credentials on Windows (the logged-on user, or the computer account as SYSTEM or NETWORK
/// SERVICE), GSSAPI's elsewhere (the ticket cache, or the client keytab).
pub trait SecurityContext: Send {
    /// The next token: the first with `None`, then the answer to the proxy's token.
    /// `Ok(None)`: nothing more to send. `Err`: the library's own words.
    fn step(&mut self, input: Option<&[u8]>) -> Result<Option<Vec<u8>>, String>;
    /// The principal the tokens speak for, when the library tells it.
    fn identity(&self) -> Option<String>;
}

impl SecurityContext for kerberos::Context {
    fn step(&mut self, input: Option<&[u8]>) -> Result<Option<Vec<u8>>, String> {
        kerberos::Context::step(self, input)
    }
    fn identity(&self) -> Option<String> {
        kerberos::Context::identity(self)
    }
}

/// A context asking for a ticket to `spn` (`HTTP/proxy.contoso.com`).
pub fn negotiate_client(spn: &str) -> Result<Box<dyn SecurityContext>, String> {
    kerberos::client(spn).map(|c| Box::new(c) as Box<dyn SecurityContext>)
}

/// The system's trust anchors, and which stores they came from ("LocalMachine\Root: 52 roots").
#[derive(Debug, Default)]
pub struct Roots {
    pub certs: Vec<CertificateDer<'static>>,
    pub stores: Vec<String>,
}

/// The roots WSUS would trust on this system: LocalMachine\Root and \AuthRoot on Windows (a
/// service does not see a user's own roots), the system store elsewhere.
pub fn system_roots() -> Roots {
    os::system_roots()
}

/// A TCP connection to `addr` whose SYN announces `mss` as its maximum segment size
/// (`TCP_MAXSEG` set before connect), so the peer sends no larger segment. On Windows, which does
/// not let a program set it, an `Unsupported` error saying so.
pub async fn connect_with_mss(addr: SocketAddr, mss: u32) -> io::Result<tokio::net::TcpStream> {
    os::connect_with_mss(addr, mss).await
}

/// Whether text written to stdout must be ASCII: set `WSUSPROBE_ASCII=1` for it anywhere; on
/// Windows it is the default when stdout is redirected (Windows PowerShell 5.1 decodes a native
/// program's output with the console code page, which garbles UTF-8), unless `WSUSPROBE_UTF8=1`.
pub fn plain_output() -> bool {
    let set = |name: &str| std::env::var(name).is_ok_and(|v| v == "1");
    set("WSUSPROBE_ASCII")
        || (os::REDIRECTED_OUTPUT_IS_PLAIN && !set("WSUSPROBE_UTF8") && {
            use std::io::IsTerminal;
            !std::io::stdout().is_terminal()
        })
}
