//! Text as Windows tools write it, for every layer that reads their files: whole (`decode`, for
//! exports and configs) or line by line (`Lines`, for logs of any size). Both tell the encoding
//! from the first bytes the same way (`sniff`).

use std::io::{self, BufRead, BufReader, Read};

/// How a text file is encoded, as told by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    /// UTF-16, little endian (`true`) or big endian.
    Utf16 {
        little_endian: bool,
    },
}

/// The encoding of text starting with `first`, and the length of its byte-order mark: UTF-16
/// LE/BE with a BOM (Windows PowerShell's `Out-File`), UTF-8 with or without one, or BOM-less
/// UTF-16 LE (a first character of ASCII followed by a zero byte).
pub fn sniff(first: &[u8]) -> (Encoding, usize) {
    match first {
        [0xff, 0xfe, ..] => (
            Encoding::Utf16 {
                little_endian: true,
            },
            2,
        ),
        [0xfe, 0xff, ..] => (
            Encoding::Utf16 {
                little_endian: false,
            },
            2,
        ),
        [0xef, 0xbb, 0xbf, ..] => (Encoding::Utf8, 3),
        [a, 0, ..] if *a != 0 => (
            Encoding::Utf16 {
                little_endian: true,
            },
            0,
        ),
        _ => (Encoding::Utf8, 0),
    }
}

/// Text from the bytes PowerShell writes: UTF-16 LE/BE with a BOM (Windows PowerShell's
/// `Out-File`), UTF-8 with or without a BOM, or BOM-less UTF-16 LE.
pub fn decode(bytes: &[u8]) -> Result<String, String> {
    let utf16 = |b: &[u8], le: bool| -> Result<String, String> {
        if !b.len().is_multiple_of(2) {
            return Err("odd number of bytes for UTF-16".into());
        }
        let units: Vec<u16> = b
            .chunks_exact(2)
            .map(|c| {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        String::from_utf16(&units).map_err(|_| "invalid UTF-16".to_string())
    };
    let (encoding, bom) = sniff(bytes);
    let rest = &bytes[bom..];
    match encoding {
        Encoding::Utf16 { little_endian } => utf16(rest, little_endian),
        Encoding::Utf8 if bom > 0 => {
            String::from_utf8(rest.to_vec()).map_err(|_| "invalid UTF-8".into())
        }
        Encoding::Utf8 => {
            String::from_utf8(rest.to_vec()).map_err(|_| "neither UTF-8 nor UTF-16".into())
        }
    }
}

/// Longest line `Lines` keeps; longer lines are cut (a binary file read by mistake stays
/// bounded).
pub const MAX_LINE: usize = 16 * 1024;

/// Reads lines from UTF-8 or UTF-16 text, detecting the encoding from the first bytes.
pub struct Lines<R: Read> {
    inner: BufReader<R>,
    utf16: Option<bool>, // Some(little endian)
    started: bool,
}

impl<R: Read> Lines<R> {
    pub fn new(r: R) -> Self {
        Lines {
            inner: BufReader::with_capacity(64 * 1024, r),
            utf16: None,
            started: false,
        }
    }

    fn detect(&mut self) -> io::Result<()> {
        self.started = true;
        let (encoding, bom) = sniff(self.inner.fill_buf()?);
        if let Encoding::Utf16 { little_endian } = encoding {
            self.utf16 = Some(little_endian);
        }
        self.inner.consume(bom);
        Ok(())
    }

    /// The next line without its line ending; `None` at the end.
    pub fn next_line(&mut self) -> io::Result<Option<String>> {
        if !self.started {
            self.detect()?;
        }
        match self.utf16 {
            None => {
                let mut raw = Vec::new();
                let n = (&mut self.inner)
                    .take(MAX_LINE as u64)
                    .read_until(b'\n', &mut raw)?;
                if n == 0 {
                    return Ok(None);
                }
                if !raw.ends_with(b"\n") && n == MAX_LINE {
                    skip_rest_of_line(&mut self.inner)?;
                }
                Ok(Some(
                    String::from_utf8_lossy(&raw)
                        .trim_end_matches(['\r', '\n'])
                        .to_string(),
                ))
            }
            Some(le) => {
                let mut units: Vec<u16> = Vec::new();
                let mut pair = [0u8; 2];
                loop {
                    match self.inner.read_exact(&mut pair) {
                        Ok(()) => {}
                        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                            if units.is_empty() {
                                return Ok(None);
                            }
                            break;
                        }
                        Err(e) => return Err(e),
                    }
                    let u = if le {
                        u16::from_le_bytes(pair)
                    } else {
                        u16::from_be_bytes(pair)
                    };
                    if u == u16::from(b'\n') {
                        break;
                    }
                    if units.len() < MAX_LINE {
                        units.push(u);
                    }
                }
                Ok(Some(
                    String::from_utf16_lossy(&units)
                        .trim_end_matches('\r')
                        .to_string(),
                ))
            }
        }
    }
}

/// Skip to just after the next newline without keeping what is skipped (a "line" can be gigabytes).
fn skip_rest_of_line<B: BufRead>(r: &mut B) -> io::Result<()> {
    loop {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            return Ok(());
        }
        if let Some(i) = buf.iter().position(|b| *b == b'\n') {
            r.consume(i + 1);
            return Ok(());
        }
        let n = buf.len();
        r.consume(n);
    }
}
