//! `wsusprobe logs` on log excerpts shaped after the seeds.

use crate::lab::run;

fn log(name: &str) -> String {
    format!("{}/testdata/logs/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_causes_with_times_and_the_schannel_evidence() {
    // fe2: the SoapException faults with the fe2 Actor form one group, with first and last time.
    let r = run(&["logs", "--json", &log("SoftwareDistribution-fe2.log")]).await;
    assert_eq!(r.code, 1);
    let g = &r.json["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["cause_id"] == "soap_fault_old_endpoint")
        .unwrap()
        .clone();
    assert_eq!(g["count"], 2);
    assert_eq!(g["first"], "2019-07-10 11:42:19");
    assert_eq!(g["last"], "2019-07-10 12:42:20");
    assert_eq!(g["stage"], "endpoint");

    // "common algorithm" in a UTF-16 log without SCHANNEL lines: the group and the missing-fix note.
    let r = run(&[
        "logs",
        "--json",
        &log("SoftwareDistribution-common-algorithm.log"),
    ])
    .await;
    let groups = r.json["groups"].as_array().unwrap();
    let algo = groups
        .iter()
        .find(|g| g["cause_id"] == "no_common_algorithm")
        .unwrap();
    assert_eq!(
        (algo["count"].as_u64(), algo["stage"].as_str()),
        (Some(2), Some("tls"))
    );
    assert!(algo["check"].as_str().unwrap().contains("--client-profile"));
    assert_eq!(r.json["tls12_enabled"], false);
    assert!(
        r.json["notes"][0]
            .as_str()
            .unwrap()
            .contains("no SCHANNEL startup lines"),
        "{}",
        r.json["notes"]
    );

    // The healthy service start: TLS 1.2 enabled, nothing failed, exit 0.
    let r = run(&["logs", &log("SoftwareDistribution-tls12-enabled.log")]).await;
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r.stdout.contains("TLS 1.2 enabled"), "{}", r.stdout);

    // ConfigMgr's format: times from the time/date attributes.
    let r = run(&["logs", "--json", &log("wsyncmgr.log")]).await;
    let dns = r.json["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["cause_id"] == "name_not_resolved")
        .unwrap()
        .clone();
    assert_eq!(dns["first"], "08-06-2007 17:54:32.699");

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
    assert!(
        r.json["groups"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["cause_id"] == "soap_fault_old_endpoint")
    );
    assert!(
        r.peak_kb > 0 && r.peak_kb < 32 * 1024,
        "peak {} KiB",
        r.peak_kb
    );
}
