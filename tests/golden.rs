//! Golden outputs: canned reports (testdata/golden/*.json, real runs against the lab) rendered in
//! every format must give exactly the bytes stored beside them. A renderer change that alters
//! what CI scripts read shows up here as a diff.
//!
//! After a deliberate change: `WSUSPROBE_BLESS=1 cargo test --test golden`, then review the diff.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use wsusprobe::model::Report;
use wsusprobe::model::plan::PlanReport;
use wsusprobe::render;
use wsusprobe::render::Format;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/golden")
}

/// Compare `got` with the stored file, or store it when blessing.
fn golden(name: &str, got: &[u8]) {
    let path = dir().join(name);
    if std::env::var_os("WSUSPROBE_BLESS").is_some() {
        std::fs::write(&path, got).unwrap();
        return;
    }
    let want = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        want == got,
        "{name} differs from its golden file:\n--- want\n{}\n--- got\n{}",
        String::from_utf8_lossy(&want),
        String::from_utf8_lossy(got)
    );
}

fn rendered(f: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>) -> Vec<u8> {
    let mut out = Vec::new();
    f(&mut out).unwrap();
    out
}

const REPORTS: &[&str] = &[
    "healthy",
    "refused",
    "proxy-auth",
    "intercepted",
    "strict",
    "route-both",
    "wsus-config",
    "interrupted",
];

#[test]
fn check_reports_render_as_stored() {
    for name in REPORTS {
        let input = std::fs::read(dir().join(format!("{name}.json"))).unwrap();
        let report: Report = serde_json::from_slice(&input).unwrap();
        // JSON reads back to the very same bytes: the model loses nothing of the contract.
        let json = rendered(|o| render::render(&report, Format::Json, o));
        assert_eq!(
            String::from_utf8_lossy(&json),
            String::from_utf8_lossy(&input),
            "{name}.json does not round-trip"
        );
        for (format, ext) in [
            (Format::Text, "txt"),
            (Format::Junit, "xml"),
            (Format::Csv, "csv"),
        ] {
            let out = rendered(|o| render::render(&report, format, o));
            golden(&format!("{name}.{ext}"), &out);
        }
    }
}

#[test]
fn plan_report_renders_as_stored() {
    let input = std::fs::read(dir().join("plan.json")).unwrap();
    let report: PlanReport = serde_json::from_slice(&input).unwrap();
    let json = rendered(|o| render::plan::json(&report, o));
    assert_eq!(
        String::from_utf8_lossy(&json),
        String::from_utf8_lossy(&input)
    );
    golden("plan.txt", &rendered(|o| render::plan::text(&report, o)));
    golden("plan.xml", &rendered(|o| render::plan::junit(&report, o)));
    golden("plan.csv", &rendered(|o| render::plan::csv(&report, o)));
}
