//! Ports for the daemons the tests start (nginx, dnsmasq, Prometheus), which bind a port they are
//! given rather than one the kernel picks.
//!
//! Asking the kernel for a free port (`bind 127.0.0.1:0`, then close) hands out a port from the
//! ephemeral range — the same range every outgoing connection takes its local port from. Between
//! the close and the daemon's own bind, a client socket (sslscan's hundreds of handshakes, another
//! test) can take that port; nginx then retries for 2.5 s with its other ports already listening,
//! and exits, resetting whatever connected meanwhile. So daemon ports come from below the
//! ephemeral range, from a counter this process owns, each checked free (TCP and UDP) before use.

use std::net::{TcpListener, UdpSocket};
use std::sync::atomic::{AtomicU32, Ordering};

/// Below Linux's default ephemeral range (32768–60999) and above the fixed lab (13100–13199).
const FIRST: u32 = 20000;
const LAST: u32 = 32000;

static NEXT: AtomicU32 = AtomicU32::new(0);

/// A loopback port no other process holds, outside the range outgoing connections use.
pub fn daemon_port() -> u16 {
    let span = LAST - FIRST;
    // Test binaries run one after another; a start that depends on the process id keeps a
    // binary from reusing the ports whose sockets the previous one left in TIME_WAIT.
    let start = (std::process::id() * 97) % span;
    for _ in 0..span {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let port = (FIRST + (start + n) % span) as u16;
        let free = TcpListener::bind(("127.0.0.1", port)).is_ok()
            && UdpSocket::bind(("127.0.0.1", port)).is_ok();
        if free {
            return port;
        }
    }
    panic!("no free loopback port between {FIRST} and {LAST}");
}
