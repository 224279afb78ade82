//! `wsusprobe run PLAN.toml`: paths with expectations, for CI against a proxy lab.
//!
//! ```toml
//! [[path]]
//! url = "https://sws.update.microsoft.com/ServerSyncWebService/ServerSyncWebService.asmx"
//! expect = "pass"
//!
//! [[path]]
//! url = "https://download.microsoft.com/"
//! expect = { stage = "proxy", kind = "forbidden" }
//! ```
//! `expect = "fail"` accepts any failure. A plan holds no credentials: proxy, CA files and the
//! password come from the command line and the environment.

use serde::{Deserialize, Serialize};

use crate::config::{Target, UsageError};
use crate::model::{PathReport, Report};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanFile {
    #[serde(default)]
    name: Option<String>,
    path: Vec<PlanPath>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanPath {
    url: String,
    expect: Expect,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Expect {
    /// "pass" or "fail".
    Word(String),
    /// A failure at this stage (and kind, when given).
    Failure { stage: String, kind: Option<String> },
}

#[derive(Debug, Clone)]
pub struct PlanItem {
    pub name: String,
    pub target: Target,
    pub expect: Expect,
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub name: String,
    pub items: Vec<PlanItem>,
}

const STAGES: &[&str] = &[
    "endpoint",
    "dns",
    "tcp",
    "proxy",
    "tls",
    "certificate",
    "clock",
    "http",
];

impl Plan {
    pub fn parse(text: &str, source: &str) -> Result<Plan, UsageError> {
        let file: PlanFile = toml::from_str(text).map_err(|e| {
            let first = e.to_string().lines().next().unwrap_or_default().to_string();
            UsageError(format!("plan {source}: {first}"))
        })?;
        if file.path.is_empty() {
            return Err(UsageError(format!("plan {source}: no [[path]] entry")));
        }
        let mut items = Vec::new();
        for (i, p) in file.path.into_iter().enumerate() {
            let target = Target::parse(&p.url)
                .map_err(|e| UsageError(format!("plan {source}, path {}: {e}", i + 1)))?;
            match &p.expect {
                Expect::Word(w) if w == "pass" || w == "fail" => {}
                Expect::Word(w) => {
                    return Err(UsageError(format!(
                        "plan {source}, path {}: expect = \"{w}\": use \"pass\", \"fail\" or {{ stage = …, kind = … }}",
                        i + 1
                    )));
                }
                Expect::Failure { stage, .. } if !STAGES.contains(&stage.as_str()) => {
                    return Err(UsageError(format!(
                        "plan {source}, path {}: unknown stage '{stage}' (stages: {})",
                        i + 1,
                        STAGES.join(", ")
                    )));
                }
                Expect::Failure { .. } => {}
            }
            items.push(PlanItem {
                name: p.name.unwrap_or_else(|| target.url.clone()),
                target,
                expect: p.expect,
            });
        }
        Ok(Plan {
            name: file.name.unwrap_or_else(|| source.to_string()),
            items,
        })
    }

    pub fn load(path: &std::path::Path) -> Result<Plan, UsageError> {
        let shown = path.display().to_string();
        let bytes = crate::config::read_input(path, "plan", crate::config::INPUT_LIMIT)?;
        let text = String::from_utf8(bytes)
            .map_err(|_| UsageError(format!("plan {shown}: not UTF-8 text")))?;
        Plan::parse(&text, &shown)
    }
}

/// One expectation, judged.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Outcome {
    pub name: String,
    pub target: String,
    pub expected: String,
    pub actual: String,
    pub met: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlanReport {
    pub plan: String,
    pub ok: bool,
    pub results: Vec<Outcome>,
    pub report: Report,
}

fn describe_expect(e: &Expect) -> String {
    match e {
        Expect::Word(w) => w.clone(),
        Expect::Failure {
            stage,
            kind: Some(k),
        } => format!("fail at {stage}/{k}"),
        Expect::Failure { stage, kind: None } => format!("fail at {stage}"),
    }
}

fn actual(p: &PathReport) -> String {
    match &p.verdict {
        None if p.ok => "pass".into(),
        None => "fail (warnings with --strict)".into(),
        Some(v) => format!("fail at {}/{}", v.stage.as_str(), v.kind.as_str()),
    }
}

fn met(e: &Expect, p: &PathReport) -> bool {
    match (e, &p.verdict) {
        (Expect::Word(w), _) if w == "pass" => p.ok,
        (Expect::Word(_), _) => !p.ok,
        (Expect::Failure { stage, kind }, Some(v)) => {
            v.stage.as_str() == stage && kind.as_ref().is_none_or(|k| k == v.kind.as_str())
        }
        (Expect::Failure { .. }, None) => false,
    }
}

/// Match the report's paths (in plan order) against the expectations.
pub fn judge(plan: &Plan, report: Report) -> PlanReport {
    let results: Vec<Outcome> = plan
        .items
        .iter()
        .zip(&report.paths)
        .map(|(item, p)| Outcome {
            name: item.name.clone(),
            target: p.target.clone(),
            expected: describe_expect(&item.expect),
            actual: actual(p),
            met: met(&item.expect, p),
        })
        .collect();
    PlanReport {
        plan: plan.name.clone(),
        ok: results.len() == plan.items.len() && results.iter().all(|r| r.met),
        results,
        report,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        let p = Plan::parse(
            "[[path]]\nurl = \"https://sws.update.microsoft.com/\"\nexpect = \"pass\"\n\n[[path]]\nurl = \"https://download.microsoft.com/\"\nexpect = { stage = \"proxy\", kind = \"forbidden\" }\n",
            "t",
        )
        .unwrap();
        assert_eq!(p.items.len(), 2);
        assert_eq!(
            describe_expect(&p.items[1].expect),
            "fail at proxy/forbidden"
        );
        for bad in [
            "",
            "[[path]]\nurl = \"https://x/\"\n",
            "[[path]]\nurl = \"https://x/\"\nexpect = \"maybe\"\n",
            "[[path]]\nurl = \"https://x/\"\nexpect = { stage = \"firewall\" }\n",
            "[[path]]\nurl = \"ftp://x/\"\nexpect = \"pass\"\n",
            "[[path]]\nurl = \"https://x/\"\nexpect = \"pass\"\npassword = \"no\"\n",
            "garbage = [",
        ] {
            assert!(Plan::parse(bad, "t").is_err(), "{bad}");
        }
    }
}
