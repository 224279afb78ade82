//! ASCII output for consoles that would garble UTF-8. Text gets the tool's own symbols spelled in
//! ASCII (anything else as a `\uXXXX` escape); a JSON report (output starting with `{` or `[`)
//! gets every non-ASCII character as a JSON escape and an XML one (`<`) as a character
//! reference, so both mean exactly what the UTF-8 output means.

use std::io::{self, Write};

/// The symbols wsusprobe writes, and how they read in ASCII.
const SPELLED: &[(char, &str)] = &[
    ('✓', "+"),
    ('✗', "x"),
    ('→', "->"),
    ('←', "<-"),
    ('—', "-"),
    ('–', "-"),
    ('…', "..."),
    ('≥', ">="),
    ('≤', "<="),
    ('×', "x"),
    ('·', "*"),
    ('“', "\""),
    ('”', "\""),
    ('‘', "'"),
    ('’', "'"),
];

/// Writes through to `inner` with every non-ASCII character replaced. Bytes of a character split
/// across two writes are held until the rest arrives.
pub struct PlainWriter<W: Write> {
    inner: W,
    pending: Vec<u8>,
    /// Decided by the first character that is not white space.
    style: Option<Style>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Text,
    Json,
    Xml,
}

impl<W: Write> PlainWriter<W> {
    pub fn new(inner: W) -> PlainWriter<W> {
        PlainWriter {
            inner,
            pending: Vec::new(),
            style: None,
        }
    }
}

/// `text` with its non-ASCII characters spelled or escaped as `style` allows.
pub fn ascii(text: &str, style: Style) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
            continue;
        }
        match (style, SPELLED.iter().find(|(k, _)| *k == c)) {
            (Style::Text, Some((_, s))) => out.push_str(s),
            (Style::Xml, _) => out.push_str(&format!("&#x{:x};", u32::from(c))),
            _ => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
        }
    }
    out
}

impl<W: Write> Write for PlainWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        let valid = match std::str::from_utf8(&self.pending) {
            Ok(s) => s.len(),
            // An incomplete character at the end waits; invalid bytes pass as they are.
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(_) => {
                self.inner.write_all(&self.pending)?;
                self.pending.clear();
                return Ok(buf.len());
            }
        };
        let text = std::str::from_utf8(&self.pending[..valid]).unwrap_or_default();
        if self.style.is_none() {
            self.style = match text.trim_start().chars().next() {
                None => None,
                Some('{' | '[') => Some(Style::Json),
                Some('<') => Some(Style::Xml),
                Some(_) => Some(Style::Text),
            };
        }
        let style = self.style.unwrap_or(Style::Text);
        self.inner.write_all(ascii(text, style).as_bytes())?;
        self.pending.drain(..valid);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            self.inner.write_all(&self.pending)?;
            self.pending.clear();
        }
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_are_spelled_and_json_stays_valid() {
        assert_eq!(ascii("✓ OK — a → b", Style::Text), "+ OK - a -> b");
        let json = serde_json::json!({"m": "Zürich — 😀"}).to_string();
        let mut w = PlainWriter::new(Vec::new());
        w.write_all(json.as_bytes()).unwrap();
        let plain = String::from_utf8(w.inner).unwrap();
        assert!(plain.is_ascii());
        let back: serde_json::Value = serde_json::from_str(&plain).unwrap();
        assert_eq!(back["m"], "Zürich — 😀");
        assert_eq!(ascii("<a>—</a>", Style::Xml), "<a>&#x2014;</a>");
    }

    #[test]
    fn a_character_split_across_writes_is_kept_whole() {
        let mut w = PlainWriter::new(Vec::new());
        let bytes = "a✓b".as_bytes();
        w.write_all(&bytes[..2]).unwrap();
        w.write_all(&bytes[2..]).unwrap();
        w.flush().unwrap();
        assert_eq!(w.inner, b"a+b");
    }
}
