//! WinHTTP's machine proxy, as `netsh winhttp set proxy` stores it: the `WinHttpSettings` binary
//! value under `…\Internet Settings\Connections`. It is the route Windows itself takes for
//! certificate work — a missing issuer's AIA URL, CRLs, OCSP, the automatic root update — not the
//! proxy WSUS is configured with.
//!
//! The layout (little-endian DWORDs, as WinINet's connection settings): a version, a change
//! counter, flags (bit 0x2: a proxy is set), then the proxy server as a length and that many
//! ASCII bytes, then the bypass list the same way. Anything shorter or inconsistent is an error,
//! never a guess.

use serde::{Deserialize, Serialize};

/// What the value says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WinHttpProxy {
    /// `host:port` (or `http=…;https=…` per scheme), when a proxy is set.
    pub proxy: Option<String>,
    /// The bypass list's entries (`<local>`, `*.contoso.com`).
    pub bypass: Vec<String>,
}

impl WinHttpProxy {
    /// The proxy for http:// URLs as `http://host:port`: the `http=` entry of a per-scheme list,
    /// else the one server named.
    pub fn http_proxy_url(&self) -> Option<String> {
        let p = self.proxy.as_deref()?;
        let server = if p.contains('=') {
            p.split(';')
                .find_map(|e| e.trim().strip_prefix("http="))
                .map(str::trim)?
        } else {
            p.split(';').next().map(str::trim)?
        };
        if server.is_empty() {
            return None;
        }
        Some(if server.contains("://") {
            server.to_string()
        } else {
            format!("http://{server}")
        })
    }

    /// Whether `host` bypasses the proxy (see `bypassed`).
    pub fn bypasses(&self, host: &str) -> bool {
        bypassed(&self.bypass, host)
    }

    /// `direct`, or `proxy X (bypass: …)`.
    pub fn describe(&self) -> String {
        match &self.proxy {
            None => "direct (no WinHTTP proxy)".to_string(),
            Some(p) if self.bypass.is_empty() => format!("proxy {p}"),
            Some(p) => format!("proxy {p} (bypass: {})", self.bypass.join(";")),
        }
    }
}

/// Whether `host` is on a bypass list: a `<local>` entry and a name without a dot, or an entry
/// matching it (`*` wildcards), as WinHTTP matches its bypass list.
pub fn bypassed(list: &[String], host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    list.iter().any(|e| {
        let e = e.trim().to_ascii_lowercase();
        if e == "<local>" {
            return !host.contains('.');
        }
        wildcard(&e, &host)
    })
}

/// `*`-wildcard match of `pattern` on `text`: the greedy matcher that returns to the last `*`
/// on a mismatch — linear in practice, never exponential, whatever the pattern holds.
fn wildcard(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut i, mut j) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while j < t.len() {
        if i < p.len() && p[i] == b'*' {
            star = Some((i, j));
            i += 1;
        } else if i < p.len() && p[i] == t[j] {
            i += 1;
            j += 1;
        } else if let Some((si, sj)) = star {
            i = si + 1;
            j = sj + 1;
            star = Some((si, sj + 1));
        } else {
            return false;
        }
    }
    p[i..].iter().all(|c| *c == b'*')
}

/// Most bytes a proxy or bypass string may take (the value is a few hundred bytes in practice).
const MAX_STRING: usize = 32 * 1024;

/// A reader over the value's bytes.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn take(&mut self, len: usize, what: &str) -> Result<&[u8], String> {
        let b = self
            .bytes
            .get(self.at..self.at.saturating_add(len))
            .ok_or_else(|| {
                format!(
                    "WinHttpSettings ends inside its {what} ({} bytes)",
                    self.bytes.len()
                )
            })?;
        self.at += len;
        Ok(b)
    }

    fn dword(&mut self, what: &str) -> Result<u32, String> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn string(&mut self, what: &str) -> Result<String, String> {
        let len = self.dword(what)? as usize;
        if len > MAX_STRING {
            return Err(format!("WinHttpSettings names a {what} of {len} bytes"));
        }
        let b = self.take(len, what)?;
        Ok(String::from_utf8_lossy(b)
            .trim_end_matches('\0')
            .to_string())
    }

    fn done(&self) -> bool {
        self.at >= self.bytes.len()
    }
}

/// Read `WinHttpSettings`.
pub fn parse(bytes: &[u8]) -> Result<WinHttpProxy, String> {
    let mut c = Cursor { bytes, at: 0 };
    let _version = c.dword("version")?;
    let _counter = c.dword("change counter")?;
    let flags = c.dword("flags")?;
    let proxy = c.string("proxy server")?;
    // The bypass list may be missing altogether in a value written by hand.
    let bypass = if c.done() {
        String::new()
    } else {
        c.string("bypass list")?
    };
    Ok(WinHttpProxy {
        proxy: (flags & 0x2 != 0 && !proxy.trim().is_empty()).then(|| proxy.trim().to_string()),
        bypass: bypass
            .split([';', ' '])
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(str::to_string)
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(flags: u32, proxy: &str, bypass: &str) -> Vec<u8> {
        let mut v = Vec::new();
        for d in [0x28u32, 0, flags, proxy.len() as u32] {
            v.extend(d.to_le_bytes());
        }
        v.extend(proxy.as_bytes());
        v.extend((bypass.len() as u32).to_le_bytes());
        v.extend(bypass.as_bytes());
        v
    }

    #[test]
    fn direct_proxy_and_bypass() {
        // `netsh winhttp reset proxy` writes 0x18, 0, 1, 0, 0.
        let direct = [
            0x18, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        ];
        assert_eq!(parse(&direct).unwrap().proxy, None);
        let p = parse(&value(3, "proxy.contoso.com:8080", "<local>;*.contoso.com")).unwrap();
        assert_eq!(p.proxy.as_deref(), Some("proxy.contoso.com:8080"));
        assert_eq!(
            p.http_proxy_url().as_deref(),
            Some("http://proxy.contoso.com:8080")
        );
        assert!(p.bypasses("pki.contoso.com") && p.bypasses("intranet"));
        assert!(
            wildcard("*.contoso.*", "a.contoso.com") && !wildcard("*.contoso.*", "contoso.com")
        );
        assert!(wildcard("*", "") && wildcard("a*b*c", "abbbc") && !wildcard("a*b*c", "abbb"));
        // A hostile list stays linear: many stars against a long name that never matches.
        let stars = "*a".repeat(2000) + "b";
        assert!(!wildcard(&stars, &"a".repeat(4000)));
        assert!(!p.bypasses("www.microsoft.com"));
        let per_scheme = parse(&value(3, "http=web:80;https=sec:443", "")).unwrap();
        assert_eq!(
            per_scheme.http_proxy_url().as_deref(),
            Some("http://web:80")
        );
        // A proxy string with the flag off is not in use.
        assert_eq!(parse(&value(1, "old:8080", "")).unwrap().proxy, None);
    }

    #[test]
    fn broken_values_are_errors() {
        assert!(parse(&[0x18, 0, 0]).is_err());
        let mut v = value(3, "proxy:8080", "");
        v[12] = 0xff;
        assert!(parse(&v).is_err());
        let mut v = value(3, "proxy:8080", "");
        v.truncate(20);
        assert!(parse(&v).is_err());
    }
}
