//! The log scanner behind `wsusprobe logs`: sync failures found in WSUS and Configuration
//! Manager logs (streamed line by line through `text::Lines`), grouped by cause with first/last
//! time and count, each with the `check` command that tests it. The patterns and notes are
//! `knowledge::logpatterns`'.

use std::collections::BTreeMap;
use std::io::{self, Read};

use crate::config::inputs;
use crate::knowledge::logpatterns::{
    LOG_PATTERNS, NOTE_NO_SCHANNEL_LINES, NOTE_TLS12_ENABLED, NOTE_TLS12_NOT_SAID, SCHANNEL_MARKER,
    TLS12_ENABLED,
};
use crate::knowledge::winerr;
use crate::model::logs::{Group, LogReport};
use crate::text::Lines;

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
    let note = if report.tls12_enabled {
        Some(NOTE_TLS12_ENABLED)
    } else if report.schannel_lines > 0 {
        Some(NOTE_TLS12_NOT_SAID)
    } else if wsus_log || !report.groups.is_empty() {
        Some(NOTE_NO_SCHANNEL_LINES)
    } else {
        None
    };
    report.notes.extend(note.map(str::to_string));
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
        let long = "a".repeat(crate::text::MAX_LINE * 3) + "\nsecond\n";
        let mut r2 = LogReport::default();
        scan_reader(long.as_bytes(), "y", &mut r2, &mut BTreeMap::new()).unwrap();
        assert_eq!(r2.lines, 2);
        // garbage bytes never panic
        let junk: Vec<u8> = (0..10_000u32).map(|i| (i * 7919 % 251) as u8).collect();
        scan_reader(&junk[..], "z", &mut r2, &mut BTreeMap::new()).unwrap();
    }
}
