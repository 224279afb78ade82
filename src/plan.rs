//! A plan (`wsusprobe run PLAN.toml`): paths with expectations, for CI against a proxy lab, and
//! how a report meets them.
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

use serde::Deserialize;

use crate::config::inputs;
use crate::error::UsageError;
use crate::model::plan::{Outcome, PlanReport};
use crate::model::{Kind, PathReport, Report, Stage};
use crate::target::Target;

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
    expect: RawExpect,
    #[serde(default)]
    name: Option<String>,
}

/// An expectation as written in the file, checked into an `Expect`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawExpect {
    Word(String),
    Failure { stage: String, kind: Option<String> },
}

/// What a path must come to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    Pass,
    /// Any failure.
    Fail,
    /// A failure at this stage (and kind, when given).
    Failure {
        stage: Stage,
        kind: Option<Kind>,
    },
}

impl Expect {
    fn check(raw: RawExpect) -> Result<Expect, String> {
        match raw {
            RawExpect::Word(w) if w == "pass" => Ok(Expect::Pass),
            RawExpect::Word(w) if w == "fail" => Ok(Expect::Fail),
            RawExpect::Word(w) => Err(format!(
                "expect = \"{w}\": use \"pass\", \"fail\" or {{ stage = …, kind = … }}"
            )),
            RawExpect::Failure { stage, kind } => {
                let stage: Stage = stage.parse().map_err(|e| format!("stage {e}"))?;
                let kind = match kind {
                    None => None,
                    Some(k) => Some(k.parse::<Kind>().map_err(|e| format!("kind {e}"))?),
                };
                Ok(Expect::Failure { stage, kind })
            }
        }
    }

    fn describe(self) -> String {
        match self {
            Expect::Pass => "pass".into(),
            Expect::Fail => "fail".into(),
            Expect::Failure {
                stage,
                kind: Some(k),
            } => format!("fail at {stage}/{k}"),
            Expect::Failure { stage, kind: None } => format!("fail at {stage}"),
        }
    }

    fn met(self, p: &PathReport) -> bool {
        match (self, &p.verdict) {
            (Expect::Pass, _) => p.ok,
            (Expect::Fail, _) => !p.ok,
            (Expect::Failure { stage, kind }, Some(v)) => {
                v.stage == stage && kind.is_none_or(|k| k == v.kind)
            }
            (Expect::Failure { .. }, None) => false,
        }
    }
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

impl Plan {
    pub fn parse(text: &str, source: &str) -> Result<Plan, UsageError> {
        let file: PlanFile = toml::from_str(text)
            .map_err(|e| UsageError(format!("plan {source}: {}", inputs::toml_error(text, &e))))?;
        if file.path.is_empty() {
            return Err(UsageError(format!("plan {source}: no [[path]] entry")));
        }
        let mut items = Vec::new();
        for (i, p) in file.path.into_iter().enumerate() {
            let at = |e: String| UsageError(format!("plan {source}, path {}: {e}", i + 1));
            let target = Target::parse(&p.url).map_err(|e| at(e.0))?;
            let expect = Expect::check(p.expect).map_err(at)?;
            items.push(PlanItem {
                name: p.name.unwrap_or_else(|| target.url.clone()),
                target,
                expect,
            });
        }
        Ok(Plan {
            name: file.name.unwrap_or_else(|| source.to_string()),
            items,
        })
    }

    pub fn load(path: &std::path::Path) -> Result<Plan, UsageError> {
        let shown = path.display().to_string();
        let bytes = inputs::read_input(path, "plan", inputs::INPUT_LIMIT)?;
        let text = String::from_utf8(bytes)
            .map_err(|_| UsageError(format!("plan {shown}: not UTF-8 text")))?;
        Plan::parse(&text, &shown)
    }
}

fn actual(p: &PathReport) -> String {
    match &p.verdict {
        None if p.ok => "pass".into(),
        None => "fail (warnings with --strict)".into(),
        Some(v) => format!("fail at {}/{}", v.stage, v.kind),
    }
}

/// The report's paths (in plan order) held against the plan's expectations.
pub fn grade(plan: &Plan, report: Report) -> PlanReport {
    let results: Vec<Outcome> = plan
        .items
        .iter()
        .zip(&report.paths)
        .map(|(item, p)| Outcome {
            name: item.name.clone(),
            target: p.target.clone(),
            expected: item.expect.describe(),
            actual: actual(p),
            met: item.expect.met(p),
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
        assert_eq!(p.items[1].expect.describe(), "fail at proxy/forbidden");
        for bad in [
            "",
            "[[path]]\nurl = \"https://x/\"\n",
            "[[path]]\nurl = \"https://x/\"\nexpect = \"maybe\"\n",
            "[[path]]\nurl = \"https://x/\"\nexpect = { stage = \"firewall\" }\n",
            "[[path]]\nurl = \"https://x/\"\nexpect = { stage = \"proxy\", kind = \"forbiden\" }\n",
            "[[path]]\nurl = \"ftp://x/\"\nexpect = \"pass\"\n",
            "[[path]]\nurl = \"https://x/\"\nexpect = \"pass\"\npassword = \"no\"\n",
            "garbage = [",
        ] {
            assert!(Plan::parse(bad, "t").is_err(), "{bad}");
        }
        let e = Plan::parse(
            "[[path]]\nurl = \"https://x/\"\nexpect = { stage = \"proxy\", kind = \"forbiden\" }\n",
            "t",
        )
        .unwrap_err();
        assert!(
            e.0.contains("kind 'forbiden' is not one of") && e.0.contains("forbidden, "),
            "{e}"
        );
    }
}
