//! ASCII output for consoles that would garble UTF-8: the tool's own symbols become their ASCII
//! spelling, anything else a `\uXXXX` escape (valid inside the JSON reports' strings).

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
}

impl<W: Write> PlainWriter<W> {
    pub fn new(inner: W) -> PlainWriter<W> {
        PlainWriter {
            inner,
            pending: Vec::new(),
        }
    }
}

/// `text` with its non-ASCII characters spelled or escaped.
pub fn ascii(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else if let Some((_, s)) = SPELLED.iter().find(|(k, _)| *k == c) {
            out.push_str(s);
        } else {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{u:04x}"));
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
        self.inner.write_all(ascii(text).as_bytes())?;
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
        assert_eq!(ascii("✓ OK — a → b"), "+ OK - a -> b");
        let json = serde_json::json!({"m": "Zürich — 😀"}).to_string();
        let plain = ascii(&json);
        assert!(plain.is_ascii());
        let back: serde_json::Value = serde_json::from_str(&plain).unwrap();
        assert_eq!(back["m"], "Z\u{fc}rich - 😀");
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
