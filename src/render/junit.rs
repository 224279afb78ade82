//! JUnit XML, as GitLab and Jenkins read it: one testsuite per run, one testcase per path, a
//! `failure` element with the verdict (stage/kind, message, Windows error, fix) for a failed path.

use std::io::{self, Write};

use crate::model::{Report, RouteKind, Status};

/// XML-escape text and attribute values; characters XML 1.0 forbids are dropped.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

/// One testcase: its name, class, time in seconds, and failure (type, message, body) if any.
pub struct Case {
    pub name: String,
    pub class: String,
    pub seconds: f64,
    pub failure: Option<(String, String, String)>,
    pub output: String,
}

pub fn write_suite(
    suite: &str,
    timestamp: &str,
    cases: &[Case],
    out: &mut dyn Write,
) -> io::Result<()> {
    let failures = cases.iter().filter(|c| c.failure.is_some()).count();
    let total: f64 = cases.iter().map(|c| c.seconds).sum();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="wsusprobe" tests="{}" failures="{failures}" errors="0" time="{total:.3}">"#,
        cases.len()
    )?;
    writeln!(
        out,
        r#"  <testsuite name="{}" tests="{}" failures="{failures}" errors="0" skipped="0" time="{total:.3}" timestamp="{}">"#,
        esc(suite),
        cases.len(),
        esc(timestamp)
    )?;
    for c in cases {
        write!(
            out,
            r#"    <testcase name="{}" classname="{}" time="{:.3}""#,
            esc(&c.name),
            esc(&c.class),
            c.seconds
        )?;
        writeln!(out, ">")?;
        if let Some((ty, message, body)) = &c.failure {
            writeln!(
                out,
                r#"      <failure type="{}" message="{}">{}</failure>"#,
                esc(ty),
                esc(message),
                esc(body)
            )?;
        }
        if !c.output.is_empty() {
            writeln!(out, "      <system-out>{}</system-out>", esc(&c.output))?;
        }
        writeln!(out, "    </testcase>")?;
    }
    writeln!(out, "  </testsuite>")?;
    writeln!(out, "</testsuites>")
}

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let cases: Vec<Case> = report
        .paths
        .iter()
        .map(|p| {
            let route = match (&p.route.kind, &p.route.proxy) {
                (RouteKind::Proxy, Some(px)) => format!("proxy {px}"),
                _ => "direct".to_string(),
            };
            let stages: Vec<String> = p
                .stages
                .iter()
                .map(|s| {
                    let kind = s
                        .kind
                        .map(|k| format!("/{}", k.as_str()))
                        .unwrap_or_default();
                    format!(
                        "{} {}{kind}: {}",
                        s.stage.as_str(),
                        s.status.as_str(),
                        s.message
                    )
                })
                .collect();
            let failure = match &p.verdict {
                Some(v) => Some((
                    format!("{}/{}", v.stage.as_str(), v.kind.as_str()),
                    v.message.clone(),
                    format!(
                        "{}/{}: {}\nWindows error: {}\nFix: {}",
                        v.stage.as_str(),
                        v.kind.as_str(),
                        v.message,
                        v.windows_error.as_deref().unwrap_or("-"),
                        v.advice
                    ),
                )),
                None if !p.ok => {
                    let warned: Vec<&str> = p
                        .stages
                        .iter()
                        .filter(|s| s.status == Status::Warn)
                        .map(|s| s.stage.as_str())
                        .collect();
                    Some((
                        "strict".into(),
                        format!("warnings with --strict: {}", warned.join(", ")),
                        String::new(),
                    ))
                }
                None => None,
            };
            Case {
                name: p.target.clone(),
                class: format!("wsusprobe.{}", route.replace(' ', ".")),
                seconds: p.elapsed_ms / 1000.0,
                failure,
                output: stages.join("\n"),
            }
        })
        .collect();
    write_suite("wsusprobe check", &report.started_at, &cases, out)
}

#[cfg(test)]
mod tests {
    use super::esc;

    #[test]
    fn escaping() {
        assert_eq!(
            esc("a<b & \"c\" 'd'>"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;"
        );
        assert_eq!(esc("bell\u{7}\u{0}x"), "bellx");
    }
}
