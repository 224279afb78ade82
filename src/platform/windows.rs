//! Windows: the LocalMachine certificate stores a service such as WSUS trusts (not the current
//! user's, which may hold roots only that user trusts), through the schannel crate.

use rustls::pki_types::CertificateDer;
use schannel::cert_store::CertStore;

use std::io;
use std::net::SocketAddr;

use super::Roots;

/// Winsock has no settable `TCP_MAXSEG`.
pub async fn connect_with_mss(_addr: SocketAddr, _mss: u32) -> io::Result<tokio::net::TcpStream> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "Windows does not let a program set a connection's MSS (TCP_MAXSEG)",
    ))
}

/// Windows PowerShell 5.1 reads a redirected native program's output in the console code page.
pub const REDIRECTED_OUTPUT_IS_PLAIN: bool = true;

pub fn system_roots() -> Roots {
    let mut roots = Roots::default();
    for name in ["Root", "AuthRoot"] {
        match CertStore::open_local_machine(name) {
            Ok(store) => {
                let before = roots.certs.len();
                for cert in store.certs() {
                    let der = CertificateDer::from(cert.to_der().to_vec());
                    if !roots.certs.contains(&der) {
                        roots.certs.push(der);
                    }
                }
                roots.stores.push(format!(
                    "LocalMachine\\{name}: {} roots",
                    roots.certs.len() - before
                ));
            }
            Err(e) => roots
                .stores
                .push(format!("LocalMachine\\{name}: cannot open it ({e})")),
        }
    }
    roots
}
