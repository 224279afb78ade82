//! Replays every fuzz seed and every input a fuzzer ever crashed on (`fuzz/regressions/TARGET/`)
//! through the same entry points the fuzz targets call, so a fixed crash stays fixed without
//! a nightly toolchain. Also keeps the list of targets and `fuzz/fuzz_targets/` in step.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use wsusprobe::fuzzing::TARGETS;

fn inputs(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return vec![];
    };
    let mut out: Vec<(String, Vec<u8>)> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect();
    out.sort();
    out
}

#[test]
fn every_target_has_a_fuzz_binary_and_seeds() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut files: Vec<String> = std::fs::read_dir(root.join("fuzz_targets"))
        .unwrap()
        .map(|e| {
            e.unwrap()
                .path()
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    files.sort();
    let mut names: Vec<String> = TARGETS.iter().map(|(n, _)| n.to_string()).collect();
    names.sort();
    assert_eq!(files, names);
    for (name, _) in TARGETS {
        let body =
            std::fs::read_to_string(root.join("fuzz_targets").join(format!("{name}.rs"))).unwrap();
        assert!(
            body.contains(&format!("wsusprobe::fuzzing::{name}(data)")),
            "fuzz/fuzz_targets/{name}.rs must call wsusprobe::fuzzing::{name}"
        );
        assert!(
            !inputs(&root.join("seeds").join(name)).is_empty(),
            "fuzz/seeds/{name} is empty"
        );
    }
}

#[test]
fn seeds_and_saved_crash_inputs_run_clean() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut replayed = 0;
    for (name, entry) in TARGETS {
        for dir in ["seeds", "regressions"] {
            for (path, data) in inputs(&root.join(dir).join(name)) {
                // A panic here names the input that brought it back.
                let r = std::panic::catch_unwind(|| entry(&data));
                assert!(r.is_ok(), "{name} panicked on {path}");
                replayed += 1;
            }
        }
    }
    assert!(replayed >= TARGETS.len());
}
