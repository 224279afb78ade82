//! What differs by operating system, each side behind `cfg` in its own file: the trust stores
//! that count for WSUS, whether output must stay ASCII, and whether a connection's MSS can be
//! set.

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
