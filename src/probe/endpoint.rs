//! Stage `endpoint`: lint the target against what is known about Microsoft Update endpoints.

use crate::knowledge::endpoints::{self, EndpointStatus};
use crate::model::detail::EndpointDetail;
use crate::model::{Kind, Stage, StageResult};
use crate::target::Target;

pub fn lint(target: &Target) -> StageResult {
    let role = if endpoints::is_sync_service_path(&target.path) {
        "WSUS sync service (SOAP GetAuthConfig is sent)"
    } else {
        "plain GET"
    };
    let detail = |rule: Option<&str>| EndpointDetail {
        host: target.host.clone(),
        port: rule.is_none().then_some(target.port),
        role: role.to_string(),
        rule: rule.map(str::to_string),
    };
    match endpoints::rule_for(&target.host, &target.path) {
        Some(rule) if rule.status == EndpointStatus::Decommissioned => StageResult::fail(
            Stage::Endpoint,
            Kind::DecommissionedEndpoint,
            rule.note,
            detail(Some(rule.host)),
        ),
        Some(rule) => StageResult::warn(
            Stage::Endpoint,
            Some(Kind::LegacyEndpoint),
            rule.note,
            detail(Some(rule.host)),
        ),
        None => StageResult::pass(
            Stage::Endpoint,
            format!("{}:{} — {role}", target.host, target.port),
            detail(None),
        ),
    }
}
