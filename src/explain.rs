//! `wsusprobe explain CODE|TEXT`: what a Windows/WSUS error means, which probe stage and kind
//! reproduce it, and the command to run. Everything comes from the tables the verdicts use.

use serde::Serialize;

use crate::knowledge::{codes, winerr};

#[derive(Debug, Serialize)]
pub struct CodeInfo {
    pub code: String,
    pub name: &'static str,
    pub meaning: &'static str,
}

#[derive(Debug, Serialize)]
pub struct Match {
    pub stage: &'static str,
    pub kind: &'static str,
    pub windows_error: &'static str,
    pub wsus_log: &'static str,
    pub advice: &'static str,
    pub command: &'static str,
}

#[derive(Debug, Serialize)]
pub struct Explanation {
    pub query: String,
    pub code: Option<CodeInfo>,
    pub matches: Vec<Match>,
}

fn matched(f: &'static winerr::Fact) -> Match {
    Match {
        stage: f.stage.as_str(),
        kind: f.kind.as_str(),
        windows_error: f.code,
        wsus_log: f.wsus_log,
        advice: f.advice,
        command: winerr::command_for(f.stage),
    }
}

fn normalize(s: &str) -> String {
    s.to_ascii_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

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
                name: i.name,
                meaning: i.meaning,
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

    #[test]
    fn codes_and_texts() {
        let e = explain("0x80072F8F");
        assert_eq!(
            e.code.as_ref().map(|c| c.name),
            Some("ERROR_WINHTTP_SECURE_FAILURE")
        );
        let stages: Vec<&str> = e.matches.iter().map(|m| m.stage).collect();
        assert!(
            stages.contains(&"certificate") && stages.contains(&"clock"),
            "{stages:?}"
        );
        let e = explain("12007");
        assert!(e.matches.iter().all(|m| m.stage == "dns") && !e.matches.is_empty());
        let e = explain("do not possess a common algorithm");
        assert_eq!(e.matches.len(), 1);
        assert_eq!(
            (e.matches[0].stage, e.matches[0].kind),
            ("tls", "no_common_cipher")
        );
        let e = explain("HTTP status 407");
        assert!(e.matches.iter().all(|m| m.stage == "proxy") && !e.matches.is_empty());
        assert!(
            explain("The underlying connection was closed")
                .matches
                .len()
                >= 3
        );
        assert!(explain("zz").matches.is_empty());
    }
}
