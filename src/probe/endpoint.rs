//! Stage `endpoint`: lint the target against what is known about Microsoft Update endpoints.

use serde_json::json;

use crate::knowledge::endpoints::{self, EndpointStatus};
use crate::model::{Kind, Stage, StageResult};
use crate::target::Target;

pub fn lint(target: &Target) -> StageResult {
    let role = if endpoints::is_sync_service_path(&target.path) {
        "WSUS sync service (SOAP GetAuthConfig is sent)"
    } else {
        "plain GET"
    };
    match endpoints::rule_for(&target.host, &target.path) {
        Some(rule) if rule.status == EndpointStatus::Decommissioned => StageResult::fail(
            Stage::Endpoint,
            Kind::DecommissionedEndpoint,
            rule.note,
            json!({"host": target.host, "rule": rule.host, "role": role}),
        ),
        Some(rule) => StageResult::warn(
            Stage::Endpoint,
            Some(Kind::LegacyEndpoint),
            rule.note,
            json!({"host": target.host, "rule": rule.host, "role": role}),
        ),
        None => StageResult::pass(
            Stage::Endpoint,
            format!("{}:{} — {role}", target.host, target.port),
            json!({"host": target.host, "port": target.port, "role": role}),
        ),
    }
}
