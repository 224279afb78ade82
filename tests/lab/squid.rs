//! The real-service lab `testdata/lab/lab.sh start` runs (Squid, dnsmasq, nginx, the KDC): its
//! `lab.env`, read by the suites that use it. Outside CI, without the lab, every test says so
//! loudly and passes; in CI a missing lab fails.
#![allow(dead_code)]

use std::collections::HashMap;

pub const SWS: &str = "sws.update.microsoft.com";

pub struct Lab(pub HashMap<String, String>);

impl Lab {
    pub fn get(&self, k: &str) -> &str {
        self.0
            .get(k)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("lab.env lacks {k}"))
    }

    pub fn sync_url(&self) -> String {
        format!(
            "https://{SWS}:{}/ServerSyncWebService/ServerSyncWebService.asmx",
            self.get("LAB_TLS_GOOD")
        )
    }
}

pub fn lab() -> Option<Lab> {
    let path =
        std::env::var("WSUSPROBE_LAB_ENV").unwrap_or_else(|_| "/tmp/wsusprobe-lab/lab.env".into());
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(Lab(text
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect())),
        Err(_) => {
            eprintln!(
                "\n*** SKIP: the Squid lab is not running ({path} missing). Start it with \
                 `sudo bash testdata/lab/lab.sh start` to run the proxy tests. ***\n"
            );
            assert!(
                std::env::var("CI").is_err(),
                "CI must start the lab: .ci/run runs testdata/lab/lab.sh start"
            );
            None
        }
    }
}

/// The lab's resolver: the local (information-only) lookup a proxied path makes must never reach
/// the machine's own DNS.
pub fn lab_dns() -> String {
    lab()
        .map(|l| l.get("LAB_DNS").to_string())
        .unwrap_or_else(|| "127.0.0.153:53".into())
}

/// `wsusprobe check --json URL` against the lab (its resolver and root CA), with `extra` flags;
/// no proxy password in its environment.
pub fn check_url(lab: &Lab, url: &str, extra: &[&str]) -> super::report::Run {
    let out = super::report::wsusprobe_command()
        .args(["check", "--json", "--timeout", "15s", url])
        .args([
            "--dns-server",
            &lab_dns(),
            "--ca-file",
            lab.get("LAB_ROOT_CA"),
        ])
        .args(extra)
        .env_remove("WSUSPROBE_PROXY_PASSWORD")
        .output()
        .expect("run wsusprobe");
    super::report::Run::from_output(&out)
}
