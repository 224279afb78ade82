//! SSPI's Negotiate package with the identity the process runs as: the Windows half of
//! `platform::negotiate_client`. WSUS answers a proxy's `Negotiate` this way when its console has
//! no proxy credentials — as NETWORK SERVICE, which is the computer account on the network.
//!
//! **The only module of wsusprobe where `unsafe` is allowed** (`#[allow(unsafe_code)]` on its
//! `mod` line; everything else is `deny`). Each block calls one SSPI function from `secur32.dll`
//! through `windows-sys`, and keeps these invariants:
//! - every pointer handed to SSPI points into a local or a field that outlives the call, and
//!   buffer lengths are the lengths of the Rust buffers they describe;
//! - a credential handle exists only after `AcquireCredentialsHandleW` succeeded, a context only
//!   after `InitializeSecurityContextW` returned success or continue; `Drop` releases both, once;
//! - strings SSPI allocates (the credential's user name) are copied, then `FreeContextBuffer`d;
//! - no token is allocated by SSPI (no `ISC_REQ_ALLOCATE_MEMORY`): it writes into our buffer.
//!
//! Nothing here panics: every failure becomes the status's name and words (`knowledge::kerberos`).

use std::ptr;

use windows_sys::Win32::Foundation::{SEC_E_OK, SEC_I_CONTINUE_NEEDED};
use windows_sys::Win32::Security::Authentication::Identity::{
    AcquireCredentialsHandleW, DeleteSecurityContext, FreeContextBuffer, FreeCredentialsHandle,
    ISC_REQ_CONNECTION, InitializeSecurityContextW, QueryCredentialsAttributesW, SECBUFFER_TOKEN,
    SECBUFFER_VERSION, SECPKG_CRED_ATTR_NAMES, SECPKG_CRED_OUTBOUND, SECURITY_NATIVE_DREP,
    SecBuffer, SecBufferDesc, SecPkgCredentials_NamesW,
};
use windows_sys::Win32::Security::Credentials::SecHandle;

use crate::knowledge::kerberos::sspi_status;

pub type Context = Sspi;

pub const LIBRARY: &str = "SSPI (Negotiate package)";

/// Room for one token: Negotiate's `cbMaxToken` is 48,000 bytes on current Windows.
const MAX_TOKEN: usize = 48 * 1024;

/// A Negotiate client context for one SPN, with the process's default credentials.
pub struct Sspi {
    cred: SecHandle,
    ctx: Option<SecHandle>,
    /// The SPN, NUL-terminated UTF-16.
    spn: Vec<u16>,
    identity: Option<String>,
}

fn wide(s: &str) -> Vec<u16> {
    s.encode_utf16().chain(std::iter::once(0)).collect()
}

/// Default credentials for Negotiate: the logged-on user's, or the computer account's when the
/// process runs as SYSTEM or NETWORK SERVICE.
pub fn client(spn: &str) -> Result<Sspi, String> {
    let package = wide("Negotiate");
    let mut cred = SecHandle::default();
    let mut expiry = 0i64;
    // SAFETY: `package` is a NUL-terminated UTF-16 string alive for the call; the principal, logon
    // ID and auth data are null (default credentials); `cred` and `expiry` are locals SSPI writes.
    let status = unsafe {
        AcquireCredentialsHandleW(
            ptr::null(),
            package.as_ptr(),
            SECPKG_CRED_OUTBOUND,
            ptr::null(),
            ptr::null(),
            None,
            ptr::null(),
            &mut cred,
            &mut expiry,
        )
    };
    if status != SEC_E_OK {
        return Err(format!(
            "AcquireCredentialsHandle: {}",
            sspi_status(status as u32)
        ));
    }
    let mut s = Sspi {
        cred,
        ctx: None,
        spn: wide(spn),
        identity: None,
    };
    s.identity = s.user_name();
    Ok(s)
}

impl Sspi {
    /// The credential's user name (`CONTOSO\WSUS01$`), when the package tells it.
    fn user_name(&self) -> Option<String> {
        let mut names = SecPkgCredentials_NamesW::default();
        // SAFETY: `self.cred` is a live credential handle; `names` is a local of the type
        // SECPKG_CRED_ATTR_NAMES fills.
        let status = unsafe {
            QueryCredentialsAttributesW(
                &self.cred,
                SECPKG_CRED_ATTR_NAMES,
                (&mut names as *mut SecPkgCredentials_NamesW).cast(),
            )
        };
        if status != SEC_E_OK || names.sUserName.is_null() {
            return None;
        }
        let mut len = 0usize;
        // SAFETY: on success sUserName is a NUL-terminated UTF-16 string SSPI allocated; it is
        // read up to its NUL (at most 1024 units), copied, then freed once with FreeContextBuffer.
        let name = unsafe {
            while len < 1024 && *names.sUserName.add(len) != 0 {
                len += 1;
            }
            let units = std::slice::from_raw_parts(names.sUserName, len);
            let name = String::from_utf16_lossy(units);
            FreeContextBuffer(names.sUserName.cast());
            name
        };
        (!name.is_empty()).then_some(name)
    }

    pub fn identity(&self) -> Option<String> {
        self.identity.clone()
    }

    /// One call of `InitializeSecurityContextW`: the first token (`input` None), or the answer to
    /// the proxy's challenge. `Ok(None)`: the context is complete and there is nothing to send.
    pub fn step(&mut self, input: Option<&[u8]>) -> Result<Option<Vec<u8>>, String> {
        let mut out = vec![0u8; MAX_TOKEN];
        let mut out_buf = SecBuffer {
            cbBuffer: out.len() as u32,
            BufferType: SECBUFFER_TOKEN,
            pvBuffer: out.as_mut_ptr().cast(),
        };
        let mut out_desc = SecBufferDesc {
            ulVersion: SECBUFFER_VERSION,
            cBuffers: 1,
            pBuffers: &mut out_buf,
        };
        let mut challenge = input.map(<[u8]>::to_vec).unwrap_or_default();
        let mut in_buf = SecBuffer {
            cbBuffer: challenge.len() as u32,
            BufferType: SECBUFFER_TOKEN,
            pvBuffer: challenge.as_mut_ptr().cast(),
        };
        let in_desc = SecBufferDesc {
            ulVersion: SECBUFFER_VERSION,
            cBuffers: 1,
            pBuffers: &mut in_buf,
        };
        let mut handle = self.ctx.unwrap_or_default();
        let handle_ptr: *mut SecHandle = &mut handle;
        let (mut attrs, mut expiry) = (0u32, 0i64);
        // SAFETY: `self.cred` is live; the old context (when there is one) and the new one are the
        // same local, as the documentation allows for calls after the first; `self.spn` is
        // NUL-terminated; both buffer descriptors point at locals whose lengths they state, and
        // all of them outlive the call.
        let status = unsafe {
            InitializeSecurityContextW(
                &self.cred,
                if self.ctx.is_some() {
                    handle_ptr.cast_const()
                } else {
                    ptr::null()
                },
                self.spn.as_ptr(),
                ISC_REQ_CONNECTION,
                0,
                SECURITY_NATIVE_DREP,
                if input.is_some() {
                    &in_desc
                } else {
                    ptr::null()
                },
                0,
                handle_ptr,
                &mut out_desc,
                &mut attrs,
                &mut expiry,
            )
        };
        if status != SEC_E_OK && status != SEC_I_CONTINUE_NEEDED {
            return Err(format!(
                "InitializeSecurityContext for {}: {}",
                String::from_utf16_lossy(&self.spn[..self.spn.len().saturating_sub(1)]),
                sspi_status(status as u32)
            ));
        }
        self.ctx = Some(handle);
        out.truncate((out_buf.cbBuffer as usize).min(MAX_TOKEN));
        Ok((!out.is_empty()).then_some(out))
    }
}

impl Drop for Sspi {
    fn drop(&mut self) {
        // SAFETY: each handle was returned by SSPI (the context only when set) and is released once.
        unsafe {
            if let Some(ctx) = &self.ctx {
                DeleteSecurityContext(ctx);
            }
            FreeCredentialsHandle(&self.cred);
        }
    }
}
