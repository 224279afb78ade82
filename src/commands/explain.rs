//! `wsusprobe explain CODE|TEXT`: what a Windows/WSUS error means, which probe stage and kind
//! reproduce it, and the command to run. Everything comes from the tables the verdicts use.

use crate::cli::ExplainArgs;
use crate::commands::{Out, write_out};
use crate::error::Done;
use crate::exit::Exit;
use crate::knowledge::{codes, winerr};
use crate::model::explain::{CodeInfo, Explanation, Match};
use crate::render;

/// What `explain` looks up, and how to answer.
#[derive(Debug)]
pub struct ExplainJob {
    pub query: String,
    pub json: bool,
}

impl ExplainJob {
    pub fn from_args(args: &ExplainArgs) -> ExplainJob {
        ExplainJob {
            query: args.query.join(" "),
            json: args.json,
        }
    }
}

/// Exit 0 when something matched, 1 when nothing did.
pub fn run(job: ExplainJob, out: Out<'_>) -> Done {
    let e = explain(&job.query);
    write_out(out, |o| {
        if job.json {
            render::explain::json(&e, o)
        } else {
            render::explain::text(&e, o)
        }
    })?;
    Ok(Exit::from_ok(!e.matches.is_empty()))
}

fn matched(f: &'static winerr::Fact) -> Match {
    Match {
        stage: f.stage,
        kind: f.kind,
        windows_error: f.code.to_string(),
        wsus_log: f.wsus_log.to_string(),
        advice: f.advice.to_string(),
        command: winerr::command_for(f.stage).to_string(),
    }
}

fn normalize(s: &str) -> String {
    s.to_ascii_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The code's meaning and the verdicts that produce it, or the verdicts whose WSUS log line
/// contains the text.
pub fn explain(query: &str) -> Explanation {
    if let Some(code) = codes::parse_code(query) {
        let info = codes::lookup(code);
        let matches = winerr::FACTS
            .iter()
            .filter(|f| {
                codes::parse_code(f.code) == Some(code)
                    || info.is_some_and(|i| i.whole_stages.contains(&f.stage))
            })
            .map(matched)
            .collect();
        return Explanation {
            query: query.to_string(),
            code: info.map(|i| CodeInfo {
                code: codes::hex(i.hresult),
                name: i.name.to_string(),
                meaning: i.meaning.to_string(),
            }),
            matches,
        };
    }
    let q = normalize(query);
    let matches = if q.len() < 4 {
        Vec::new()
    } else {
        winerr::FACTS
            .iter()
            .filter(|f| !f.wsus_log.is_empty() && normalize(f.wsus_log).contains(&q))
            .map(matched)
            .collect()
    };
    Explanation {
        query: query.to_string(),
        code: None,
        matches,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Kind, Stage};

    #[test]
    fn codes_and_texts() {
        let e = explain("0x80072F8F");
        assert_eq!(
            e.code.as_ref().map(|c| c.name.as_str()),
            Some("ERROR_WINHTTP_SECURE_FAILURE")
        );
        let stages: Vec<Stage> = e.matches.iter().map(|m| m.stage).collect();
        assert!(
            stages.contains(&Stage::Certificate) && stages.contains(&Stage::Clock),
            "{stages:?}"
        );
        let e = explain("12007");
        assert!(e.matches.iter().all(|m| m.stage == Stage::Dns) && !e.matches.is_empty());
        // The server's suites, or this host's own cipher order policy.
        let e = explain("do not possess a common algorithm");
        let found: Vec<(Stage, Kind)> = e.matches.iter().map(|m| (m.stage, m.kind)).collect();
        assert_eq!(
            found,
            [
                (Stage::Tls, Kind::NoCommonCipher),
                (Stage::Host, Kind::CipherOrderExcludesMicrosoftUpdate)
            ]
        );
        let e = explain("HTTP status 407");
        assert!(e.matches.iter().all(|m| m.stage == Stage::Proxy) && !e.matches.is_empty());
        assert!(
            explain("The underlying connection was closed")
                .matches
                .len()
                >= 3
        );
        assert!(explain("zz").matches.is_empty());
    }
}
