//! GSSAPI (MIT Kerberos) with SPNEGO and the default credentials: the ticket cache
//! (`KRB5CCNAME`), or with an empty cache the client keytab (`KRB5_CLIENT_KTNAME`) — the Linux
//! analogue of a Windows computer account. The Unix half of `platform::negotiate_client`,
//! built with the `gssapi` feature.

use libgssapi::context::{ClientCtx, CtxFlags};
use libgssapi::credential::{Cred, CredUsage};
use libgssapi::name::Name;
use libgssapi::oid::{GSS_MECH_SPNEGO, GSS_NT_KRB5_PRINCIPAL, OidSet};

pub type Context = Gss;

pub const LIBRARY: &str = "GSSAPI (MIT Kerberos, SPNEGO)";

pub struct Gss {
    ctx: ClientCtx,
    identity: Option<String>,
}

/// The library's words for an error, on one line.
fn words(e: libgssapi::error::Error) -> String {
    e.to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A client context for `spn` (`HTTP/proxy.contoso.com`, taken as a Kerberos principal name in
/// the default realm, as SSPI takes it: no DNS canonicalisation of the proxy's name).
pub fn client(spn: &str) -> Result<Gss, String> {
    let mut mechs = OidSet::new();
    mechs.add(GSS_MECH_SPNEGO).map_err(words)?;
    let cred = Cred::acquire(None, None, CredUsage::Initiate, Some(&mechs))
        .map_err(|e| format!("gss_acquire_cred: {}", words(e)))?;
    let identity = cred
        .name()
        .ok()
        .and_then(|n| n.display_name().ok())
        .map(|b| String::from_utf8_lossy(&b).into_owned());
    let target = Name::new(spn.as_bytes(), Some(GSS_NT_KRB5_PRINCIPAL))
        .map_err(|e| format!("gss_import_name {spn}: {}", words(e)))?;
    let ctx = ClientCtx::new(Some(cred), target, CtxFlags::empty(), Some(GSS_MECH_SPNEGO));
    Ok(Gss { ctx, identity })
}

impl Gss {
    pub fn identity(&self) -> Option<String> {
        self.identity.clone()
    }

    pub fn step(&mut self, input: Option<&[u8]>) -> Result<Option<Vec<u8>>, String> {
        self.ctx
            .step(input, None)
            .map(|t| t.map(|b| b.to_vec()))
            .map_err(|e| format!("gss_init_sec_context: {}", words(e)))
    }
}
