//! Open a fresh byte stream to the target over the path's route, for follow-up probes: a TCP
//! connection to the first hop, and through the proxy a CONNECT tunnel.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpStream;

use super::proxy;
use crate::auth::ProxyAuth;
use crate::deadline::Deadline;

/// The target behind a proxy.
#[derive(Debug, Clone)]
pub struct Tunnel {
    pub host: String,
    pub port: u16,
    pub auth: Option<Arc<ProxyAuth>>,
    /// The schemes the proxy offered on an earlier tunnel: later tunnels authenticate at once.
    pub learned: Arc<Mutex<Option<Vec<String>>>>,
}

impl Tunnel {
    pub fn new(host: &str, port: u16, auth: Option<Arc<ProxyAuth>>) -> Tunnel {
        Tunnel {
            host: host.to_string(),
            port,
            auth,
            learned: Arc::default(),
        }
    }
}

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

    /// A stream to the target: direct, or through a new tunnel.
    pub async fn dial(&self, deadline: &Deadline) -> Option<TcpStream> {
        let s = self.dial_hop(deadline).await?;
        match &self.tunnel {
            None => Some(s),
            Some(t) => {
                let known = t.learned.lock().ok().and_then(|l| l.clone());
                let (stream, requests, offered) = proxy::open(
                    s,
                    &t.host,
                    t.port,
                    t.auth.as_deref(),
                    known,
                    || self.dial_hop(deadline),
                    deadline,
                )
                .await;
                self.stats
                    .proxy_requests
                    .fetch_add(requests, Ordering::Relaxed);
                if stream.is_some()
                    && !offered.is_empty()
                    && let Ok(mut l) = t.learned.lock()
                {
                    *l = Some(offered);
                }
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
