//! `wsusprobe logs` on log excerpts shaped after the seeds.

use crate::lab::report::assert_has;
use crate::lab::{Run, run};
use wsusprobe::model::Stage;
use wsusprobe::model::logs::{Group, LogReport};

/// The group of `cause_id` in a `logs --json` report.
fn group(r: &Run, cause_id: &str) -> Group {
    let report: LogReport = r.decode();
    report
        .groups
        .into_iter()
        .find(|g| g.cause_id == cause_id)
        .unwrap_or_else(|| panic!("no {cause_id} group in:\n{}", r.stdout))
}

fn log(name: &str) -> String {
    format!("{}/testdata/logs/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_causes_with_times_and_the_schannel_evidence() {
    // fe2: the SoapException faults with the fe2 Actor form one group, with first and last time.
    let r = run(&["logs", "--json", &log("SoftwareDistribution-fe2.log")]).await;
    assert_eq!(r.code, 1);
    let g = group(&r, "soap_fault_old_endpoint");
    assert_eq!(g.count, 2);
    assert_eq!(g.first.as_deref(), Some("2019-07-10 11:42:19"));
    assert_eq!(g.last.as_deref(), Some("2019-07-10 12:42:20"));
    assert_eq!(g.stage, Stage::Endpoint);

    // "common algorithm" in a UTF-16 log without SCHANNEL lines: the group and the missing-fix note.
    let r = run(&[
        "logs",
        "--json",
        &log("SoftwareDistribution-common-algorithm.log"),
    ])
    .await;
    let algo = group(&r, "no_common_algorithm");
    assert_eq!((algo.count, algo.stage), (2, Stage::Tls));
    assert!(algo.check.contains("--client-profile"));
    let report: LogReport = r.decode();
    assert!(!report.tls12_enabled);
    assert!(
        report.notes[0].contains("no SCHANNEL startup lines"),
        "{:?}",
        report.notes
    );

    // The healthy service start: TLS 1.2 enabled, nothing failed, exit 0.
    let r = run(&["logs", &log("SoftwareDistribution-tls12-enabled.log")]).await;
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_has(&r.stdout, "TLS 1.2 enabled");

    // ConfigMgr's format: times from the time/date attributes.
    let r = run(&["logs", "--json", &log("wsyncmgr.log")]).await;
    let dns = group(&r, "name_not_resolved");
    assert_eq!(dns.first.as_deref(), Some("08-06-2007 17:54:32.699"));

    let r = run(&["logs", "/nonexistent/SoftwareDistribution.log"]).await;
    assert_eq!(r.code, 2);
}

/// A "log" whose first line is 64 MB long (no newline): skipped in bounded memory, and the real
/// failure after it is still found.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gigantic_line_is_skipped_in_bounded_memory() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("SoftwareDistribution.log");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let block = vec![b'x'; 1024 * 1024];
    for _ in 0..64 {
        f.write_all(&block).unwrap();
    }
    f.write_all(b"\n").unwrap();
    f.write_all(&std::fs::read(log("SoftwareDistribution-fe2.log")).unwrap())
        .unwrap();
    f.flush().unwrap();
    drop(f);
    let args: Vec<String> = ["logs", "--json", &path.display().to_string()]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let r = crate::lab::measure::measured(&args, &[]).await;
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(group(&r, "soap_fault_old_endpoint").count, 2);
    r.assert_peak_within(32 * 1024);
}

/// Wildcards are expanded by wsusprobe itself (no Windows shell does it): the pattern reads the
/// same files as naming them one by one; one matching nothing is a one-line usage error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wildcards_are_expanded_by_wsusprobe() {
    let pattern = log("SoftwareDistribution-*.log");
    let r = run(&["logs", "--json", &pattern]).await;
    let report: LogReport = r.decode();
    let named = run(&[
        "logs",
        "--json",
        &log("SoftwareDistribution-common-algorithm.log"),
        &log("SoftwareDistribution-fe2.log"),
        &log("SoftwareDistribution-tls12-enabled.log"),
    ])
    .await;
    let one_by_one: LogReport = named.decode();
    assert_eq!(report.files.len(), 3, "{}", r.stdout);
    // The same files (Windows shows them with backslashes).
    let names = |files: &[String]| -> Vec<String> {
        files
            .iter()
            .map(|f| f.rsplit(['/', '\\']).next().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(names(&report.files), names(&one_by_one.files));
    assert_eq!(report.groups.len(), one_by_one.groups.len());
    // As an administrator types it in cmd.exe, under Wine: a drive letter and backslashes.
    if let Some(_exe) = crate::lab::report::wine_exe() {
        let windows = format!("Z:{}", log("SoftwareDistribution-*.LOG").replace('/', "\\"));
        let r = run(&["logs", "--json", &windows]).await;
        let report: LogReport = r.decode();
        assert_eq!(report.files.len(), 3, "{}{}", r.stdout, r.stderr);
    }
    let r = run(&["logs", &log("nothing-*.log")]).await;
    assert_eq!(r.code, 2);
    assert_has(&r.stderr, "matches no file");
    assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
}
