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

/// The JSON name of a model enum, as serde writes it.
fn serde_name<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v).unwrap() {
        serde_json::Value::String(s) => s,
        other => panic!("not a name: {other}"),
    }
}

/// Stage and kind names are written once (the model's serde names): every renderer, and
/// `explain`, must show exactly those. One failing path per kind (at the stage the verdict table
/// gives it, else at every stage), rendered in each format.
#[test]
fn every_output_uses_the_serde_names() {
    use wsusprobe::knowledge::winerr;
    use wsusprobe::model::{Kind, PathReport, Route, Stage, StageResult, Verdict};

    let mut pairs: Vec<(Stage, Kind)> = winerr::FACTS.iter().map(|f| (f.stage, f.kind)).collect();
    for kind in Kind::ALL {
        if !pairs.iter().any(|(_, k)| k == kind) {
            pairs.extend(Stage::ALL.iter().map(|s| (*s, *kind)));
        }
    }
    for (stage, kind) in pairs {
        let (stage_name, kind_name) = (serde_name(&stage), serde_name(&kind));
        assert_eq!((stage.as_str(), kind.as_str()), (&*stage_name, &*kind_name));
        let failed = StageResult::fail(stage, kind, "it broke", wsusprobe::model::Detail::None);
        let report = Report {
            tool: "wsusprobe".into(),
            version: "0".into(),
            started_at: "2026-12-02T00:00:00Z".into(),
            ok: false,
            interrupted: None,
            config: None,
            routes: vec![],
            paths: vec![PathReport {
                target: "https://sws.update.microsoft.com/".into(),
                route: Route::direct(),
                ok: false,
                verdict: Some(Verdict {
                    stage,
                    kind,
                    message: "it broke".into(),
                    windows_error: None,
                    windows_error_name: None,
                    wsus_log: None,
                    advice: "fix it".into(),
                }),
                elapsed_ms: 1.0,
                stages: vec![failed],
            }],
        };
        let pair = format!("{stage_name}/{kind_name}");
        for format in [Format::Text, Format::Junit, Format::Csv, Format::Json] {
            let out = rendered(|o| render::render(&report, format, o));
            let out = String::from_utf8(out).unwrap();
            let shown = match format {
                Format::Json => {
                    out.contains(&format!("\"stage\": \"{stage_name}\""))
                        && out.contains(&format!("\"kind\": \"{kind_name}\""))
                }
                Format::Csv => out.contains(&format!(",{stage_name},{kind_name},")),
                _ => out.contains(&pair),
            };
            assert!(shown, "{format:?} does not show {pair}:\n{out}");
        }
    }
    // explain answers with the same names, read back through serde.
    let e = wsusprobe::commands::explain::explain("0x80072F8F");
    let json = serde_json::to_value(&e).unwrap();
    for (m, j) in e.matches.iter().zip(json["matches"].as_array().unwrap()) {
        assert_eq!(j["stage"], m.stage.as_str());
        assert_eq!(j["kind"], m.kind.as_str());
    }
    let text = rendered(|o| render::explain::text(&e, o));
    let text = String::from_utf8(text).unwrap();
    for m in &e.matches {
        assert!(text.contains(&format!("{}/{}", m.stage, m.kind)), "{text}");
    }
}
