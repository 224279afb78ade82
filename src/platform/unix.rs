//! Unix: the system store as rustls-native-certs finds it (honours SSL_CERT_FILE / SSL_CERT_DIR).

use super::Roots;

/// UTF-8 is the norm for pipes and files here.
pub const REDIRECTED_OUTPUT_IS_PLAIN: bool = false;

pub fn system_roots() -> Roots {
    let certs = rustls_native_certs::load_native_certs().certs;
    Roots {
        stores: vec![format!("system store: {} roots", certs.len())],
        certs,
    }
}
