//! A snapshot of registry keys: read from `reg export` files (any platform) or, on Windows, from
//! the live registry (`live.rs`). Key paths are kept with the hive abbreviated (`HKLM\…`) and
//! compared without regard to case, as Windows does.

use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegValue {
    Dword(u32),
    Qword(u64),
    Sz(String),
    MultiSz(Vec<String>),
    Binary(Vec<u8>),
}

impl RegValue {
    /// A DWORD or QWORD as a number.
    pub fn number(&self) -> Option<u64> {
        match self {
            RegValue::Dword(v) => Some(u64::from(*v)),
            RegValue::Qword(v) => Some(*v),
            RegValue::Sz(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// A string, or the strings of a multi-string joined by commas.
    pub fn text(&self) -> Option<String> {
        match self {
            RegValue::Sz(s) => Some(s.clone()),
            RegValue::MultiSz(v) => Some(v.join(",")),
            _ => None,
        }
    }

    /// As `reg query` would show it.
    pub fn shown(&self) -> String {
        match self {
            RegValue::Dword(v) => format!("0x{v:x}"),
            RegValue::Qword(v) => format!("0x{v:x}"),
            RegValue::Sz(s) => format!("\"{s}\""),
            RegValue::MultiSz(v) => format!("\"{}\"", v.join("\\0")),
            RegValue::Binary(b) => format!("{} bytes", b.len()),
        }
    }
}

#[derive(Debug, Clone, Default)]
struct Key {
    path: String,
    values: BTreeMap<String, (String, RegValue)>,
}

/// Keys and their values, from one or more sources.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    keys: BTreeMap<String, Key>,
    /// The whole registry is behind it (live), not only the keys that were exported.
    pub complete: bool,
}

/// `HKEY_LOCAL_MACHINE\…` → `HKLM\…`, without a trailing backslash.
pub fn normalise(path: &str) -> String {
    let p = path.trim().trim_end_matches('\\');
    for (long, short) in [
        ("HKEY_LOCAL_MACHINE", "HKLM"),
        ("HKEY_CURRENT_USER", "HKCU"),
        ("HKEY_CLASSES_ROOT", "HKCR"),
        ("HKEY_USERS", "HKU"),
    ] {
        if p.len() >= long.len() && p[..long.len()].eq_ignore_ascii_case(long) {
            return format!("{short}{}", &p[long.len()..]);
        }
    }
    p.to_string()
}

fn fold(path: &str) -> String {
    normalise(path).to_ascii_lowercase()
}

impl Registry {
    pub fn set(&mut self, key: &str, name: &str, value: RegValue) {
        let k = self.keys.entry(fold(key)).or_insert_with(|| Key {
            path: normalise(key),
            values: BTreeMap::new(),
        });
        k.values
            .insert(name.to_ascii_lowercase(), (name.to_string(), value));
    }

    pub fn add_key(&mut self, key: &str) {
        self.keys.entry(fold(key)).or_insert_with(|| Key {
            path: normalise(key),
            values: BTreeMap::new(),
        });
    }

    fn remove_key(&mut self, key: &str) {
        let folded = fold(key);
        let under = format!("{folded}\\");
        self.keys
            .retain(|k, _| *k != folded && !k.starts_with(&under));
    }

    fn remove_value(&mut self, key: &str, name: &str) {
        if let Some(k) = self.keys.get_mut(&fold(key)) {
            k.values.remove(&name.to_ascii_lowercase());
        }
    }

    pub fn get(&self, key: &str, name: &str) -> Option<&RegValue> {
        self.keys
            .get(&fold(key))
            .and_then(|k| k.values.get(&name.to_ascii_lowercase()))
            .map(|(_, v)| v)
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub fn has_key(&self, key: &str) -> bool {
        self.keys.contains_key(&fold(key))
    }

    /// Whether the sources say anything about `key` and what lies under it: the live registry
    /// always does; a set of exports only when one of them holds the key or a key beneath it.
    pub fn covers(&self, key: &str) -> bool {
        let folded = fold(key);
        let under = format!("{folded}\\");
        self.complete
            || self.keys.keys().any(|k| {
                *k == folded || k.starts_with(&under) || folded.starts_with(&format!("{k}\\"))
            })
    }

    /// The names of the keys directly under `key`, as written.
    pub fn subkeys(&self, key: &str) -> Vec<String> {
        let under = format!("{}\\", fold(key));
        let mut out: Vec<String> = self
            .keys
            .iter()
            .filter_map(|(k, v)| {
                let rest = k.strip_prefix(&under)?;
                let first = rest.split('\\').next()?;
                Some(v.path[v.path.len() - rest.len()..][..first.len()].to_string())
            })
            .collect();
        out.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
        out
    }

    /// Read a `reg export` file's text (already decoded) into the snapshot; errors name the line.
    pub fn merge_reg(&mut self, text: &str) -> Result<(), String> {
        let mut seen_header = false;
        let mut key: Option<String> = None;
        for (number, line) in logical_lines(text) {
            let at = |e: String| format!("line {number}: {e}");
            let l = line.trim();
            if l.is_empty() || l.starts_with(';') {
                continue;
            }
            if l == "Windows Registry Editor Version 5.00" || l == "REGEDIT4" {
                seen_header = true;
                continue;
            }
            if !seen_header {
                return Err(at(
                    "not a reg export: it must start with 'Windows Registry Editor Version 5.00'"
                        .into(),
                ));
            }
            if let Some(inner) = l.strip_prefix('[') {
                let inner = inner
                    .strip_suffix(']')
                    .ok_or_else(|| at("a key line must end with ']'".into()))?;
                if let Some(gone) = inner.strip_prefix('-') {
                    self.remove_key(gone);
                    key = None;
                } else {
                    self.add_key(inner);
                    key = Some(inner.to_string());
                }
                continue;
            }
            let k = key
                .as_deref()
                .ok_or_else(|| at("a value before any [key] line".into()))?;
            let (name, data) = split_value(l).map_err(at)?;
            match data.trim() {
                "-" => self.remove_value(k, &name),
                d => {
                    let value = parse_data(d).map_err(at)?;
                    self.set(k, &name, value);
                }
            }
        }
        if !seen_header {
            return Err("empty: not a reg export".into());
        }
        Ok(())
    }
}

/// Lines with `\` continuations joined (hex data spans lines), each with its first line number.
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (i, raw) in text.trim_start_matches('\u{feff}').lines().enumerate() {
        let raw = raw.trim_end_matches('\r');
        let (n, mut acc) = current
            .take()
            .map(|(n, acc)| (n, acc + raw.trim_start()))
            .unwrap_or((i + 1, raw.to_string()));
        if acc.ends_with('\\') && !acc.trim_start().starts_with('[') {
            acc.pop();
            current = Some((n, acc));
        } else {
            out.push((n, acc));
        }
    }
    out.extend(current);
    out
}

/// `"Name"=data` or `@=data`: the name (unescaped) and the data text.
fn split_value(line: &str) -> Result<(String, &str), String> {
    if let Some(rest) = line.strip_prefix('@') {
        let data = rest
            .trim_start()
            .strip_prefix('=')
            .ok_or("expected '=' after '@'")?;
        return Ok((String::new(), data));
    }
    let rest = line
        .strip_prefix('"')
        .ok_or("expected \"Name\"=value, @=value or [key]")?;
    let (name, used) = quoted(rest)?;
    let data = rest[used..]
        .trim_start()
        .strip_prefix('=')
        .ok_or("expected '=' after the value name")?;
    Ok((name, data))
}

/// The text of a quoted string whose opening quote is already consumed: (text, bytes used,
/// closing quote included).
fn quoted(s: &str) -> Result<(String, usize), String> {
    let mut out = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((out, i + 1)),
            '\\' => match chars.next() {
                Some((_, e)) => out.push(e),
                None => break,
            },
            c => out.push(c),
        }
    }
    Err("a quoted string is not closed".into())
}

fn parse_data(d: &str) -> Result<RegValue, String> {
    if let Some(rest) = d.strip_prefix('"') {
        let (text, used) = quoted(rest)?;
        if !rest[used..].trim().is_empty() {
            return Err("text after a quoted value".into());
        }
        return Ok(RegValue::Sz(text));
    }
    let lower = d.to_ascii_lowercase();
    if let Some(hex) = lower.strip_prefix("dword:") {
        return u32::from_str_radix(hex.trim(), 16)
            .map(RegValue::Dword)
            .map_err(|_| format!("dword:{hex} is not 8 hex digits"));
    }
    let (kind, bytes) = if let Some(rest) = lower.strip_prefix("hex:") {
        (None, rest)
    } else if let Some(rest) = lower.strip_prefix("hex(") {
        let (k, bytes) = rest.split_once("):").ok_or("expected hex(N):")?;
        let k = u32::from_str_radix(k, 16).map_err(|_| format!("hex({k}) is not a type"))?;
        (Some(k), bytes)
    } else {
        return Err(format!(
            "unknown value data '{}'",
            d.chars().take(20).collect::<String>()
        ));
    };
    let bytes = bytes
        .split(',')
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .map(|b| u8::from_str_radix(b, 16).map_err(|_| format!("'{b}' is not a hex byte")))
        .collect::<Result<Vec<u8>, String>>()?;
    Ok(match kind {
        Some(0x2) => RegValue::Sz(utf16z(&bytes).into_iter().next().unwrap_or_default()),
        Some(0x7) => RegValue::MultiSz(utf16z(&bytes)),
        Some(0x4) if bytes.len() == 4 => {
            RegValue::Dword(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
        }
        Some(0xb) if bytes.len() == 8 => {
            let mut b = [0u8; 8];
            b.copy_from_slice(&bytes);
            RegValue::Qword(u64::from_le_bytes(b))
        }
        _ => RegValue::Binary(bytes),
    })
}

/// The strings of UTF-16 LE, NUL-separated data (REG_MULTI_SZ, REG_EXPAND_SZ).
fn utf16z(bytes: &[u8]) -> Vec<String> {
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    units
        .split(|u| *u == 0)
        .filter(|s| !s.is_empty())
        .map(String::from_utf16_lossy)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXPORT: &str = "Windows Registry Editor Version 5.00\r\n\r\n\
[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\.NETFramework\\v4.0.30319]\r\n\
\"SchUseStrongCrypto\"=dword:00000001\r\n\
\"Path\"=\"C:\\\\Windows\\\\Microsoft.NET\"\r\n\
\"Multi\"=hex(7):41,00,2c,00,42,00,00,00,43,00,00,00,\\\r\n  00,00\r\n\
@=\"default\"\r\n\
\"Big\"=hex(b):01,00,00,00,00,00,00,00\r\n\
\r\n\
[-HKEY_LOCAL_MACHINE\\SOFTWARE\\Gone]\r\n";

    #[test]
    fn reads_what_reg_export_writes() {
        let mut r = Registry::default();
        r.merge_reg(EXPORT).unwrap();
        let k = r"hklm\software\microsoft\.netframework\V4.0.30319";
        assert_eq!(r.get(k, "schusestrongcrypto"), Some(&RegValue::Dword(1)));
        assert_eq!(
            r.get(k, "Path"),
            Some(&RegValue::Sz(r"C:\Windows\Microsoft.NET".into()))
        );
        assert_eq!(
            r.get(k, "Multi"),
            Some(&RegValue::MultiSz(vec!["A,B".into(), "C".into()]))
        );
        assert_eq!(r.get(k, ""), Some(&RegValue::Sz("default".into())));
        assert_eq!(r.get(k, "Big"), Some(&RegValue::Qword(1)));
        assert!(r.covers(r"HKLM\SOFTWARE\Microsoft\.NETFramework"));
        assert!(r.covers(r"HKLM\SOFTWARE\Microsoft\.NETFramework\v4.0.30319\Sub"));
        assert!(!r.covers(r"HKLM\SOFTWARE\WOW6432Node\Microsoft\.NETFramework"));
        assert_eq!(
            r.subkeys(r"HKLM\SOFTWARE\Microsoft\.NETFramework"),
            vec!["v4.0.30319"]
        );
    }

    #[test]
    fn broken_exports_name_the_line() {
        for (text, words) in [
            ("", "not a reg export"),
            ("hello\n", "line 1: not a reg export"),
            (
                "REGEDIT4\n\"a\"=dword:1\n",
                "line 2: a value before any [key]",
            ),
            ("REGEDIT4\n[HKLM\\X]\n\"a\"=dword:zz\n", "line 3: dword:zz"),
            (
                "REGEDIT4\n[HKLM\\X]\n\"a=dword:1\n",
                "line 3: a quoted string is not closed",
            ),
            (
                "REGEDIT4\n[HKLM\\X]\n\"a\"=hex:0g\n",
                "line 3: '0g' is not a hex byte",
            ),
            ("REGEDIT4\n[HKLM\\X\n", "line 2: a key line must end"),
            (
                "REGEDIT4\n[HKLM\\X]\n\"a\"=blob\n",
                "line 3: unknown value data",
            ),
        ] {
            let err = Registry::default().merge_reg(text).unwrap_err();
            assert!(err.contains(words), "{text:?}: {err}");
        }
    }
}
