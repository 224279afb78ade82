//! The JSON Schema of the check report (`testdata/schema/report.schema.json`), the contract CI
//! users validate against: generated from the model's types, so it cannot drift from what the
//! binary writes. Every golden report validates against it, and so does every lab report the
//! harness decodes (`lab::report::assert_contract`).
//!
//! After a deliberate change to the model: `WSUSPROBE_BLESS=1 cargo test --test integration
//! schema::`, then review the diff.

use std::path::{Path, PathBuf};

use serde_json::Value;
use wsusprobe::model::Report;

use crate::lab::report::assert_contract;

fn schema_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/schema/report.schema.json")
}

#[test]
fn published_schema_is_the_one_the_types_generate() {
    let generated = wsusprobe::model::report_schema();
    let text = serde_json::to_string_pretty(&generated).unwrap() + "\n";
    let path = schema_path();
    if std::env::var_os("WSUSPROBE_BLESS").is_some() {
        std::fs::write(&path, &text).unwrap();
        return;
    }
    let stored = std::fs::read_to_string(&path).unwrap();
    assert!(
        stored == text,
        "{} is not what the model generates; bless it (WSUSPROBE_BLESS=1) and review the diff",
        path.display()
    );
}

#[test]
fn every_golden_report_keeps_the_contract() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/golden");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        // plan.json is a plan's report (its steps hold check reports), not a check report.
        if !name.ends_with(".json") || name == "plan.json" {
            continue;
        }
        let json: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let report: Report = serde_json::from_value(json.clone()).unwrap();
        assert_contract(&json, &report);
        checked += 1;
    }
    assert_eq!(checked, 8, "golden check reports found");
}

/// The schema is strict: a detail field the model does not know, a wrong type, or evidence of
/// another stage fails validation (so a renamed field cannot slip through as "extra").
#[test]
fn the_schema_rejects_what_the_model_does_not_write() {
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path()).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/golden/healthy.json");
    let good: Value = serde_json::from_slice(&std::fs::read(golden).unwrap()).unwrap();
    assert!(validator.is_valid(&good));

    let stage = |report: &Value, name: &str| -> usize {
        let stages = report["paths"][0]["stages"].as_array().unwrap();
        stages.iter().position(|s| s["stage"] == name).unwrap()
    };
    let mut extra = good.clone();
    let i = stage(&extra, "http");
    extra["paths"][0]["stages"][i]["detail"]["statuscode"] = 200.into();
    assert!(
        !validator.is_valid(&extra),
        "an unknown detail field passes"
    );

    let mut wrong_type = good.clone();
    let i = stage(&wrong_type, "tcp");
    wrong_type["paths"][0]["stages"][i]["detail"]["attempts"][0]["ms"] = "fast".into();
    assert!(
        !validator.is_valid(&wrong_type),
        "a string where ms is a number passes"
    );

    let mut swapped = good.clone();
    let (d, h) = (stage(&swapped, "dns"), stage(&swapped, "http"));
    let http = swapped["paths"][0]["stages"][h]["detail"].clone();
    swapped["paths"][0]["stages"][d]["detail"] = http;
    assert!(
        !validator.is_valid(&swapped),
        "http evidence on the dns stage passes"
    );

    let mut bad_kind = good;
    let i = stage(&bad_kind, "tls");
    bad_kind["paths"][0]["stages"][i]["kind"] = "tls_broke".into();
    assert!(!validator.is_valid(&bad_kind), "an unknown kind passes");
}
