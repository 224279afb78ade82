//! Open a fresh byte stream to the target over the path's route, for follow-up probes: a TCP
//! connection to the first hop, and through the proxy a CONNECT tunnel.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::net::TcpStream;

pub use super::proxy::Tunnel;
use crate::deadline::Deadline;

/// What a dialer opened, for reports.
#[derive(Debug, Default)]
pub struct DialStats {
    pub connections: AtomicUsize,
    pub proxy_requests: AtomicUsize,
}

#[derive(Debug, Clone)]
pub struct Dialer {
    /// The first hop: the target itself, or the proxy.
    pub peer: SocketAddr,
    pub connect_timeout: Duration,
    pub tunnel: Option<Tunnel>,
    pub stats: Arc<DialStats>,
}

impl Dialer {
    /// A TCP connection to the first hop.
    pub async fn dial_hop(&self, deadline: &Deadline) -> Option<TcpStream> {
        self.stats.connections.fetch_add(1, Ordering::Relaxed);
        let s = deadline
            .run(Some(self.connect_timeout), TcpStream::connect(self.peer))
            .await?
            .ok()?;
        let _ = s.set_nodelay(true);
        Some(s)
    }

    /// A new direct connection to the first hop whose SYN announces `mss`: `Ok(None)` when none
    /// opens, `Err` (why) when this system cannot set the MSS.
    pub async fn dial_with_mss(
        &self,
        mss: u32,
        deadline: &Deadline,
    ) -> Result<Option<TcpStream>, String> {
        self.stats.connections.fetch_add(1, Ordering::Relaxed);
        let connect = crate::platform::connect_with_mss(self.peer, mss);
        match deadline.run(Some(self.connect_timeout), connect).await {
            Some(Ok(s)) => {
                let _ = s.set_nodelay(true);
                Ok(Some(s))
            }
            Some(Err(e)) if e.kind() == std::io::ErrorKind::Unsupported => Err(e.to_string()),
            _ => Ok(None),
        }
    }

    /// A stream to the target: direct, or through a new tunnel.
    pub async fn dial(&self, deadline: &Deadline) -> Option<TcpStream> {
        let s = self.dial_hop(deadline).await?;
        match &self.tunnel {
            None => Some(s),
            Some(t) => {
                let (stream, requests) = t.open(s, || self.dial_hop(deadline), deadline).await;
                self.stats
                    .proxy_requests
                    .fetch_add(requests, Ordering::Relaxed);
                stream
            }
        }
    }
}

impl crate::hello::scan::Dial for Dialer {
    type Stream = TcpStream;

    fn dial(&self, deadline: &Deadline) -> impl Future<Output = Option<TcpStream>> + Send {
        Dialer::dial(self, deadline)
    }
}
