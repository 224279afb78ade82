//! Runs of the wsusprobe binary with their cost: wall time, peak resident memory (from GNU time,
//! `/usr/bin/time -f %M`, which reads the probe's own wait4() usage) and the most sockets it
//! held open (sampled from /proc every 5 ms). getrusage(RUSAGE_CHILDREN) in the test process
//! would not do: a child spawned from a big test process inherits its high-water mark at exec.
#![allow(dead_code)]

use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::AsyncReadExt;

use super::report::Run;

/// A run with its cost; it reads as the `Run` it is.
pub struct Measured {
    pub run: Run,
    pub elapsed: Duration,
    /// The probe's peak resident set (KiB), from GNU time.
    pub peak_kb: i64,
    /// Most sockets the child had open at one sample.
    pub max_sockets: usize,
}

impl Measured {
    /// Assert the peak resident memory was measured and stayed within `bound_kb`.
    #[track_caller]
    pub fn assert_peak_within(&self, bound_kb: i64) {
        assert!(
            self.peak_kb > 0 && self.peak_kb <= bound_kb,
            "this run peaked at {} KiB (bound {bound_kb} KiB)",
            self.peak_kb
        );
    }
}

impl std::ops::Deref for Measured {
    type Target = Run;

    fn deref(&self) -> &Run {
        &self.run
    }
}

/// The first child of `pid` (the probe under GNU time).
fn child_of(pid: u32) -> Option<u32> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// How many sockets `pid` holds open.
fn sockets(pid: u32) -> Option<usize> {
    Some(
        std::fs::read_dir(format!("/proc/{pid}/fd"))
            .ok()?
            .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
            .filter(|l| l.to_string_lossy().starts_with("socket:"))
            .count(),
    )
}

/// Run `wsusprobe ARGS…` (JSON output) under GNU time, sampling its sockets every 5 ms.
pub async fn measured(args: &[String], env: &[(&str, &str)]) -> Measured {
    let peak_file = tempfile::NamedTempFile::new().unwrap();
    let started = Instant::now();
    let mut child = tokio::process::Command::new("/usr/bin/time")
        .args(["-f", "%M", "-o"])
        .arg(peak_file.path())
        .arg(env!("CARGO_BIN_EXE_wsusprobe"))
        .args(args)
        .env_remove("WSUSPROBE_PROXY_PASSWORD")
        .envs(env.iter().copied())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start wsusprobe under /usr/bin/time (Debian package `time`)");
    let time_pid = child.id().unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let reader = tokio::spawn(async move {
        let mut o = Vec::new();
        let mut e = Vec::new();
        let _ = tokio::join!(out.read_to_end(&mut o), err.read_to_end(&mut e));
        (o, e)
    });
    let mut probe_pid = None;
    let mut max_sockets = 0;
    let status = loop {
        tokio::select! {
            s = child.wait() => break s.unwrap(),
            () = tokio::time::sleep(Duration::from_millis(5)) => {
                if probe_pid.is_none() {
                    probe_pid = child_of(time_pid);
                }
                if let Some(n) = probe_pid.and_then(sockets) {
                    max_sockets = max_sockets.max(n);
                }
            }
        }
    };
    let elapsed = started.elapsed();
    let (o, e) = reader.await.unwrap();
    let peak_kb = std::fs::read_to_string(peak_file.path())
        .unwrap_or_default()
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or(0);
    let output = std::process::Output {
        status,
        stdout: o,
        stderr: e,
    };
    Measured {
        run: Run::from_output(&output),
        elapsed,
        peak_kb,
        max_sockets,
    }
}
