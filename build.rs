//! Names the commit wsusprobe is built from, for `--version`: `git describe` of the source tree
//! (`+dirty` when it has uncommitted changes), or `WSUSPROBE_COMMIT` when set (a package build
//! from a tarball), else "unknown commit".

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=WSUSPROBE_COMMIT");
    for f in [".git/HEAD", ".git/index", ".git/refs/heads"] {
        if std::path::Path::new(f).exists() {
            println!("cargo:rerun-if-changed={f}");
        }
    }
    let commit = std::env::var("WSUSPROBE_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .or_else(|| {
            let out = Command::new("git")
                .args(["describe", "--always", "--dirty=+dirty", "--abbrev=12"])
                .output()
                .ok()?;
            out.status
                .success()
                .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
                .filter(|c| !c.is_empty())
        })
        .unwrap_or_else(|| "unknown commit".to_string());
    println!("cargo:rustc-env=WSUSPROBE_COMMIT={commit}");
}
