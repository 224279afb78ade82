//! `unsafe` lives in one module: src/platform/sspi.rs (SSPI calls), allowed by the one
//! `#[allow(unsafe_code)]` on its `mod` line; the crate denies it everywhere else (Cargo.toml).
#![allow(clippy::unwrap_used)]

use std::path::Path;

fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn unsafe_only_in_the_sspi_module() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![];
    sources(&root.join("src"), &mut files);
    files.sort();
    let mut allowed = vec![];
    let mut blocks = vec![];
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let rel = f.strip_prefix(root).unwrap().display().to_string();
        // Code only: the doc comments may name the attribute.
        let code: Vec<&str> = text
            .lines()
            .map(|l| l.split("//").next().unwrap_or_default())
            .collect();
        if code.iter().any(|l| l.contains("allow(unsafe_code)")) {
            allowed.push(rel.clone());
        }
        if code
            .iter()
            .any(|l| l.contains("unsafe {") || l.contains("unsafe fn") || l.contains("unsafe impl"))
        {
            blocks.push(rel);
        }
    }
    assert_eq!(
        allowed,
        ["src/platform/mod.rs"],
        "allow(unsafe_code) outside its one place"
    );
    assert_eq!(
        blocks,
        ["src/platform/sspi.rs"],
        "unsafe code outside the SSPI module"
    );
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    assert!(manifest.contains("unsafe_code = \"deny\""));
}
