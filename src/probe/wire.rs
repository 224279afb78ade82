//! The HTTP answer head every stage on the wire reads: the proxy's answer to CONNECT (or to a
//! forwarded request) and the server's answer to the http stage's request. A leaf of `probe/`:
//! `proxy/` and `http` import it; it imports neither.

/// An HTTP answer's status line and headers, as read from a proxy or a server.
#[derive(Debug, Clone)]
pub struct Head {
    pub status: u16,
    pub reason: String,
    pub headers: Vec<(String, String)>,
}

impl Head {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `200 OK`: the status and reason, trimmed.
    pub fn status_line(&self) -> String {
        format!("{} {}", self.status, self.reason)
            .trim()
            .to_string()
    }

    pub fn all(&self, name: &str) -> Vec<String> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// The scheme names offered in `Proxy-Authenticate` (Basic, NTLM, Negotiate…).
    pub fn schemes(&self) -> Vec<String> {
        self.all("proxy-authenticate")
            .iter()
            .filter_map(|v| v.split_whitespace().next().map(str::to_string))
            .collect()
    }
}

/// An answer header as parsed by httparse, owned (header values cut at 512 characters).
pub fn head_of(resp: &httparse::Response<'_, '_>) -> Head {
    Head {
        status: resp.code.unwrap_or(0),
        reason: resp.reason.unwrap_or("").to_string(),
        headers: resp
            .headers
            .iter()
            .map(|h| {
                (
                    h.name.to_string(),
                    String::from_utf8_lossy(h.value).chars().take(512).collect(),
                )
            })
            .collect(),
    }
}

/// A request head for the trace log: the value of every Proxy-Authorization or Authorization
/// header is replaced by its scheme and the word `<redacted>`.
pub fn redact_authorization(head: &str) -> String {
    head.split_inclusive("\r\n")
        .map(|line| {
            let lower = line.to_ascii_lowercase();
            if lower.starts_with("proxy-authorization:") || lower.starts_with("authorization:") {
                let (name, value) = line.split_once(':').unwrap_or((line, ""));
                let scheme = value.split_whitespace().next().unwrap_or("");
                format!("{name}: {scheme} <redacted>\r\n")
            } else {
                line.to_string()
            }
        })
        .collect()
}
