//! CSV: one row per path, stable columns (RFC 4180 quoting).

use std::io::{self, Write};

use crate::model::{PathReport, Report, RouteKind};

pub const COLUMNS: &[&str] = &[
    "target",
    "route",
    "proxy",
    "ok",
    "reach",
    "stage",
    "kind",
    "windows_error",
    "elapsed_ms",
    "message",
];

pub fn field(s: &str) -> String {
    let clean: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if clean.contains([',', '"']) || clean != clean.trim() {
        format!("\"{}\"", clean.replace('"', "\"\""))
    } else {
        clean
    }
}

/// Whether the path got through to the service (`allowed`), was stopped on the way (`blocked`:
/// dns, tcp, proxy or tls), or did not run (`n/a`: a decommissioned endpoint).
pub fn reach(p: &PathReport) -> &'static str {
    match p.verdict.as_ref().map(|v| v.stage.as_str()) {
        None => "allowed",
        Some("dns" | "tcp" | "proxy" | "tls") => "blocked",
        Some("endpoint") => "n/a",
        Some(_) => "allowed",
    }
}

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{}", COLUMNS.join(","))?;
    for p in &report.paths {
        let v = p.verdict.as_ref();
        let row = [
            p.target.clone(),
            match p.route.kind {
                RouteKind::Direct => "direct".into(),
                RouteKind::Proxy => "proxy".into(),
            },
            p.route.proxy.clone().unwrap_or_default(),
            p.ok.to_string(),
            reach(p).to_string(),
            v.map(|v| v.stage.as_str().to_string()).unwrap_or_default(),
            v.map(|v| v.kind.as_str().to_string()).unwrap_or_default(),
            v.and_then(|v| v.windows_error.clone()).unwrap_or_default(),
            format!("{:.1}", p.elapsed_ms),
            v.map(|v| v.message.clone()).unwrap_or_default(),
        ];
        let line: Vec<String> = row.iter().map(|f| field(f)).collect();
        writeln!(out, "{}", line.join(","))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::field;

    #[test]
    fn quoting() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("line\nbreak"), "line break");
    }
}
