//! Open a fresh byte stream to the first hop of a path, for follow-up probes.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpStream;

use super::deadline::Deadline;

#[derive(Debug, Clone)]
pub struct Dialer {
    pub peer: SocketAddr,
    pub connect_timeout: Duration,
}

impl Dialer {
    /// A new connection, or `None` when it cannot be had before the deadline.
    pub async fn dial(&self, deadline: &Deadline) -> Option<TcpStream> {
        let s = deadline
            .run(Some(self.connect_timeout), TcpStream::connect(self.peer))
            .await?
            .ok()?;
        let _ = s.set_nodelay(true);
        Some(s)
    }
}
