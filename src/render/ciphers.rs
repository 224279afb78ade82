//! Output of `wsusprobe ciphers`.

use std::io::{self, Write};

use super::style::{BAD, BOLD, DIM, GOOD};
use crate::model::RouteKind;
use crate::model::ciphers::CiphersReport;

pub fn json(report: &CiphersReport, out: &mut dyn Write) -> io::Result<()> {
    super::json::write(report, out)
}

pub fn text(r: &CiphersReport, out: &mut dyn Write) -> io::Result<()> {
    let route = match (&r.route.kind, &r.route.proxy) {
        (RouteKind::Proxy, Some(p)) => format!("via proxy {p}"),
        _ => "direct".into(),
    };
    let sni = r
        .sni
        .as_deref()
        .map(|s| format!(", SNI {s}"))
        .unwrap_or_default();
    writeln!(out, "{BOLD}{}{BOLD:#} {DIM}({route}{sni}){DIM:#}", r.target)?;
    if let Some(e) = &r.error {
        let red = BAD;
        writeln!(out, "{red}✗{red:#} {e}")?;
        return Ok(());
    }
    let green = GOOD;
    for v in &r.versions {
        if !v.supported {
            let note = v
                .note
                .as_deref()
                .map(|n| format!(" ({n})"))
                .unwrap_or_default();
            writeln!(out, "  {:<8} {DIM}not accepted{note}{DIM:#}", v.version)?;
            continue;
        }
        let order = match v.server_preference {
            Some(true) => "server's order",
            Some(false) => "client's order (the server takes the first it supports)",
            None => "one suite",
        };
        writeln!(
            out,
            "  {:<8} {green}accepted{green:#} {DIM}— {} suite(s), {order}{DIM:#}",
            v.version,
            v.suites.len()
        )?;
        for s in &v.suites {
            writeln!(
                out,
                "    {}  {:<45} {DIM}{}{DIM:#}",
                s.code,
                s.name,
                s.openssl.as_deref().unwrap_or("")
            )?;
        }
    }
    let proxy = r
        .proxy_requests
        .map(|n| format!(", {n} proxy CONNECT request(s)"))
        .unwrap_or_default();
    writeln!(
        out,
        "{DIM}{} connection(s){proxy} in {:.0} ms{DIM:#}",
        r.connections, r.elapsed_ms
    )?;
    if !r.any_supported() {
        writeln!(out, "✗ the server accepted no TLS version offered")?;
    }
    Ok(())
}
