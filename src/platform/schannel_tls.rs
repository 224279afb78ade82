//! One TLS handshake through Windows' own Schannel, with the system's defaults (no protocols or
//! suites chosen: what the host's policy lets any client offer), over a stream the probe opened
//! (direct, or the CONNECT tunnel). The `schannel` crate drives it; the bytes both ways are
//! kept, because Schannel tells neither the version nor the suite it offered or got — the probe
//! reads them from the ClientHello and the server's answer.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};

use schannel::schannel_cred::{Direction, SchannelCred};
use schannel::tls_stream::{Builder, HandshakeError};

use super::SchannelRun;

/// Bytes kept each way: the hello and the server's first flight fit.
const CAP: usize = 64 * 1024;

/// A stream that copies what passes through it into a buffer that outlives it (the handshake
/// consumes the stream when it fails).
struct Tee {
    inner: TcpStream,
    seen: Arc<Mutex<(Vec<u8>, Vec<u8>)>>,
}

impl Read for Tee {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Ok(mut s) = self.seen.lock()
            && s.1.len() < CAP
        {
            s.1.extend_from_slice(&buf[..n]);
        }
        Ok(n)
    }
}

impl Write for Tee {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        if let Ok(mut s) = self.seen.lock()
            && s.0.len() < CAP
        {
            s.0.extend_from_slice(&buf[..n]);
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Handshake as a client for `host` on `stream` (blocking; its read and write timeouts bound
/// the wait). The certificate is not judged here: the certificate stage does that.
pub fn handshake(stream: TcpStream, host: &str) -> SchannelRun {
    let seen = Arc::new(Mutex::new((Vec::new(), Vec::new())));
    let tee = Tee {
        inner: stream,
        seen: seen.clone(),
    };
    let status = match SchannelCred::builder().acquire(Direction::Outbound) {
        Err(e) => Err(code_of(&e)),
        Ok(cred) => {
            let mut builder = Builder::new();
            builder.domain(host).verify_callback(|_| Ok(()));
            match builder.connect(cred, tee) {
                Ok(mut tls) => {
                    let _ = tls.shutdown();
                    Ok(())
                }
                Err(HandshakeError::Failure(e)) => Err(code_of(&e)),
                Err(HandshakeError::Interrupted(_)) => Err(None),
            }
        }
    };
    let (sent, received) = seen.lock().map(|s| s.clone()).unwrap_or_default();
    log::debug!(
        "schannel handshake with {host}: {} bytes sent, {} received, status {status:?}",
        sent.len(),
        received.len()
    );
    SchannelRun {
        sent,
        received,
        status,
    }
}

/// The SSPI status an error carries (the `schannel` crate wraps it as the OS error), or `None`
/// for a plain I/O error (a time-out, a reset).
fn code_of(e: &io::Error) -> Option<u32> {
    e.raw_os_error()
        .map(|c| c as u32)
        .filter(|c| c & 0xFFFF_0000 == 0x8009_0000)
}
