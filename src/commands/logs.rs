//! `wsusprobe logs FILE…`: find sync failures in WSUS and Configuration Manager logs, group them
//! by cause with first/last time and count, and suggest the `check` command that tests each.
//! Files are streamed line by line (UTF-8, or UTF-16 with or without a BOM).

use std::collections::BTreeMap;
use std::io::{self, BufRead, BufReader, Read};

use crate::cli::LogsArgs;
use crate::commands::{Out, write_out};
use crate::config::inputs;
use crate::error::{Done, UsageError};
use crate::exit::Exit;
use crate::knowledge::logpatterns::{LOG_PATTERNS, SCHANNEL_MARKER, TLS12_ENABLED};
use crate::knowledge::winerr;
use crate::model::logs::{Group, LogReport};
use crate::render;

/// Longest line kept; longer lines are cut (a binary file read by mistake stays bounded).
const MAX_LINE: usize = 16 * 1024;

/// The logs to scan, and how to answer.
#[derive(Debug)]
pub struct LogsJob {
    pub files: Vec<std::path::PathBuf>,
    pub json: bool,
}

impl LogsJob {
    pub fn from_args(args: &LogsArgs) -> Result<LogsJob, crate::error::UsageError> {
        Ok(LogsJob {
            files: inputs::expand_wildcards(&args.files, "logs")?,
            json: args.json,
        })
    }
}

/// Exit 0 when no failure was found, 1 when some were, 2 when a file cannot be read.
pub fn run(job: LogsJob, out: Out<'_>) -> Done {
    let report = scan_files(&job.files).map_err(UsageError)?;
    write_out(out, |o| {
        if job.json {
            render::logs::json(&report, o)
        } else {
            render::logs::text(&report, o)
        }
    })?;
    Ok(Exit::from_ok(report.groups.is_empty()))
}

/// Reads lines from UTF-8 or UTF-16 text, detecting the encoding from the first bytes.
struct Lines<R: Read> {
    inner: BufReader<R>,
    utf16: Option<bool>, // Some(little endian)
    started: bool,
}

impl<R: Read> Lines<R> {
    fn new(r: R) -> Self {
        Lines {
            inner: BufReader::with_capacity(64 * 1024, r),
            utf16: None,
            started: false,
        }
    }

    fn detect(&mut self) -> io::Result<()> {
        self.started = true;
        let buf = self.inner.fill_buf()?;
        match buf {
            [0xff, 0xfe, ..] => {
                self.utf16 = Some(true);
                self.inner.consume(2);
            }
            [0xfe, 0xff, ..] => {
                self.utf16 = Some(false);
                self.inner.consume(2);
            }
            [0xef, 0xbb, 0xbf, ..] => self.inner.consume(3),
            [a, 0, ..] if *a != 0 => self.utf16 = Some(true),
            _ => {}
        }
        Ok(())
    }

    fn next_line(&mut self) -> io::Result<Option<String>> {
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

/// The time a line carries: `2026-11-20 10:00:00` (WSUS) or ConfigMgr's `time="…" date="…"`.
fn timestamp(line: &str) -> Option<String> {
    let head: String = line.chars().take(19).collect();
    let b = head.as_bytes();
    if b.len() == 19
        && b[4] == b'-'
        && b[7] == b'-'
        && b[13] == b':'
        && b[..4].iter().all(u8::is_ascii_digit)
    {
        return Some(head);
    }
    let attr = |name: &str| {
        let key = format!("{name}=\"");
        let start = line.find(&key)? + key.len();
        let end = line[start..].find('"')? + start;
        Some(line[start..end].to_string())
    };
    match (attr("date"), attr("time")) {
        (Some(d), Some(t)) => Some(format!("{d} {}", t.split(['+', '-']).next().unwrap_or(&t))),
        _ => None,
    }
}

fn example(line: &str) -> String {
    let t = line.trim();
    let cut: String = t.chars().take(240).collect();
    if cut.len() < t.len() {
        format!("{cut}…")
    } else {
        cut
    }
}

pub fn scan_reader<R: Read>(
    reader: R,
    name: &str,
    report: &mut LogReport,
    groups: &mut BTreeMap<&'static str, Group>,
) -> io::Result<()> {
    let mut lines = Lines::new(reader);
    let mut current_time: Option<String> = None;
    while let Some(line) = lines.next_line()? {
        report.lines += 1;
        if let Some(t) = timestamp(&line) {
            current_time = Some(t);
        }
        // Stack frames repeat the exception's name; the event is the line that reports it.
        if line.trim_start().starts_with("at ") {
            continue;
        }
        let lower = line.to_ascii_lowercase();
        if lower.contains(SCHANNEL_MARKER) {
            report.schannel_lines += 1;
            report.tls12_enabled |= lower.contains(TLS12_ENABLED);
        }
        let Some(p) = LOG_PATTERNS
            .iter()
            .find(|p| p.needles.iter().all(|n| lower.contains(n)))
        else {
            continue;
        };
        let g = groups.entry(p.id).or_insert_with(|| Group {
            cause_id: p.id.to_string(),
            cause: p.cause.to_string(),
            stage: p.stage,
            count: 0,
            first: current_time.clone(),
            last: None,
            files: Vec::new(),
            example: example(&line),
            check: winerr::command_for(p.stage).to_string(),
        });
        g.count += 1;
        if g.first.is_none() {
            g.first = current_time.clone();
        }
        g.last = current_time.clone();
        if !g.files.iter().any(|f| f == name) {
            g.files.push(name.to_string());
        }
    }
    Ok(())
}

pub fn scan_files(paths: &[std::path::PathBuf]) -> Result<LogReport, String> {
    let mut report = LogReport {
        files: paths.iter().map(|p| p.display().to_string()).collect(),
        ..LogReport::default()
    };
    let mut groups = BTreeMap::new();
    for path in paths {
        let name = path.display().to_string();
        let f = inputs::open_log(path).map_err(|e| e.0)?;
        scan_reader(f, &name, &mut report, &mut groups).map_err(|e| format!("{name}: {e}"))?;
    }
    Ok(finish(report, groups))
}

/// Scan one in-memory log (what the `logs` fuzz target drives).
pub fn scan_bytes(name: &str, bytes: &[u8]) -> Result<LogReport, String> {
    let mut report = LogReport {
        files: vec![name.to_string()],
        ..LogReport::default()
    };
    let mut groups = BTreeMap::new();
    scan_reader(bytes, name, &mut report, &mut groups).map_err(|e| format!("{name}: {e}"))?;
    Ok(finish(report, groups))
}

fn finish(mut report: LogReport, groups: BTreeMap<&'static str, Group>) -> LogReport {
    let mut list: Vec<Group> = groups.into_values().collect();
    list.sort_by(|a, b| b.count.cmp(&a.count).then(a.cause_id.cmp(&b.cause_id)));
    report.groups = list;
    let wsus_log = report
        .files
        .iter()
        .any(|f| f.to_ascii_lowercase().contains("softwaredistribution"));
    if report.tls12_enabled {
        report
            .notes
            .push("SCHANNEL startup lines show TLS 1.2 enabled for the WSUS service".into());
    } else if report.schannel_lines > 0 {
        report.notes.push("SCHANNEL startup lines are present but none says TLS 1.2 is enabled: check the SCHANNEL\\Protocols\\TLS 1.2 registry keys".into());
    } else if wsus_log || !report.groups.is_empty() {
        report.notes.push("no SCHANNEL startup lines: the TLS 1.2 fix for the WSUS sync service may be missing (Windows Server 2012/2012 R2: KB4022721/KB4022720 or a later Monthly Rollup), or the log does not cover a service start".into());
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(
            timestamp("2026-11-20 10:00:00.123 UTC\tError\tWsusService.25").as_deref(),
            Some("2026-11-20 10:00:00")
        );
        assert_eq!(
            timestamp("<![LOG[Sync failed]LOG]!><time=\"17:54:32.699+000\" date=\"08-06-2007\" component=\"wsyncmgr\">").as_deref(),
            Some("08-06-2007 17:54:32.699")
        );
        assert_eq!(timestamp("at System.Net.HttpWebRequest"), None);
        assert_eq!(timestamp("été 2026-11-20"), None);
    }

    #[test]
    fn utf16_and_long_lines() {
        let text = "2026-11-20 10:00:00 x\r\nThe client and server cannot communicate, because they do not possess a common algorithm\r\n";
        let mut bytes = vec![0xff, 0xfe];
        bytes.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
        let mut r = LogReport::default();
        let mut g = BTreeMap::new();
        scan_reader(&bytes[..], "x", &mut r, &mut g).unwrap();
        assert_eq!(r.lines, 2);
        assert_eq!(
            g["no_common_algorithm"].first.as_deref(),
            Some("2026-11-20 10:00:00")
        );
        let long = "a".repeat(MAX_LINE * 3) + "\nsecond\n";
        let mut r2 = LogReport::default();
        scan_reader(long.as_bytes(), "y", &mut r2, &mut BTreeMap::new()).unwrap();
        assert_eq!(r2.lines, 2);
        // garbage bytes never panic
        let junk: Vec<u8> = (0..10_000u32).map(|i| (i * 7919 % 251) as u8).collect();
        scan_reader(&junk[..], "z", &mut r2, &mut BTreeMap::new()).unwrap();
    }
}
