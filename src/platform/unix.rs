//! Unix: the system store as rustls-native-certs finds it (honours SSL_CERT_FILE / SSL_CERT_DIR).

use std::io;
use std::net::SocketAddr;

use tokio::net::{TcpSocket, TcpStream};

use super::Roots;

pub async fn connect_with_mss(addr: SocketAddr, mss: u32) -> io::Result<TcpStream> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket2::SockRef::from(&socket).set_tcp_mss(mss)?;
    socket.connect(addr).await
}

/// UTF-8 is the norm for pipes and files here.
pub const REDIRECTED_OUTPUT_IS_PLAIN: bool = false;

pub fn system_roots() -> Roots {
    let certs = rustls_native_certs::load_native_certs().certs;
    Roots {
        stores: vec![format!("system store: {} roots", certs.len())],
        certs,
    }
}
