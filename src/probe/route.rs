//! Which route each target takes: the proxy WSUS would use for it (its scheme's proxy, unless
//! the host bypasses proxies), and how many times to probe it (the route mode).

use crate::config::{RouteMode, Routing};
use crate::knowledge::routes::{BOTH_FAIL_APART, Fails, ONE_FAILS, PARTINGS};
use crate::model::{PathReport, Route, RouteComparison, RouteKind};
use crate::target::{ProxySpec, Scheme, Target};

/// The proxy WSUS would use for this target, ignoring the route mode.
pub fn proxy_for<'r>(routing: &'r Routing, t: &Target) -> Option<&'r ProxySpec> {
    let host = t.host.as_str();
    let bypass = routing
        .no_proxy
        .iter()
        .any(|n| n == "*" || host == n || host.ends_with(&format!(".{n}")));
    if bypass {
        return None;
    }
    let p = &routing.proxies;
    match t.scheme {
        Scheme::Https => p.ssl_proxy.as_ref().or(p.proxy.as_ref()),
        Scheme::Http => p.proxy.as_ref(),
    }
}

/// The routes to probe for a target, in order: `None` is direct.
pub fn routes_for(routing: &Routing, t: &Target) -> Vec<Option<ProxySpec>> {
    let p = proxy_for(routing, t).cloned();
    match routing.mode {
        RouteMode::Direct => vec![None],
        RouteMode::Auto | RouteMode::Proxy => vec![p],
        RouteMode::Both => match p {
            Some(p) => vec![None, Some(p)],
            None => vec![None],
        },
    }
}

/// The route as the report names it.
pub fn route_of(proxy: Option<&ProxySpec>) -> Route {
    match proxy {
        Some(p) => Route::proxy(p.url.clone()),
        None => Route::direct(),
    }
}

/// A route's outcome as the comparison names it: `pass`, or the verdict as `stage/kind`.
fn outcome(p: &PathReport) -> String {
    match &p.verdict {
        Some(v) => format!("{}/{}", v.stage, v.kind),
        None => "pass".to_string(),
    }
}

/// Every URL probed both directly and through its proxy whose two routes disagree, with the
/// sentence that says where they part (`knowledge::routes`).
pub fn compare(paths: &[PathReport]) -> Vec<RouteComparison> {
    let by_route = |target: &str, kind: RouteKind| {
        paths
            .iter()
            .find(|p| p.target == target && p.route.kind == kind)
    };
    let mut out: Vec<RouteComparison> = Vec::new();
    for p in paths.iter().filter(|p| p.route.kind == RouteKind::Direct) {
        let Some(proxied) = by_route(&p.target, RouteKind::Proxy) else {
            continue;
        };
        if out.iter().any(|c| c.target == p.target) {
            continue;
        }
        if let Some(summary) = parting(p, proxied) {
            out.push(RouteComparison {
                target: p.target.clone(),
                direct: outcome(p),
                proxy: outcome(proxied),
                summary,
            });
        }
    }
    out
}

/// Where `direct` and `proxied` part, in one sentence; `None` when they agree.
fn parting(direct: &PathReport, proxied: &PathReport) -> Option<String> {
    let (d, p) = (direct.verdict.as_ref(), proxied.verdict.as_ref());
    let same = match (d, p) {
        (None, None) => true,
        (Some(a), Some(b)) => (a.stage, a.kind) == (b.stage, b.kind),
        _ => false,
    };
    if same {
        return None;
    }
    let template = match (d, p) {
        (Some(v), None) | (None, Some(v)) => {
            let fails = if d.is_some() {
                Fails::Direct
            } else {
                Fails::Proxy
            };
            PARTINGS
                .iter()
                .find(|r| {
                    r.fails == fails && r.stage == v.stage && r.kind.is_none_or(|k| k == v.kind)
                })
                .map_or(ONE_FAILS, |r| r.says)
        }
        _ => BOTH_FAIL_APART,
    };
    let stage = d.or(p).map(|v| v.stage.as_str()).unwrap_or_default();
    let host = url::Url::parse(&direct.target)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| direct.target.clone());
    Some(
        template
            .replace("{host}", &host)
            .replace("{direct}", &outcome(direct))
            .replace("{proxy}", &outcome(proxied))
            .replace("{stage}", stage),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Proxies;
    use crate::model::{Kind, Stage};

    fn routing(mode: RouteMode, no_proxy: &[&str]) -> Routing {
        Routing {
            proxies: Proxies {
                proxy: Some(ProxySpec::parse("http://p:3128", "--proxy").unwrap()),
                ssl_proxy: Some(ProxySpec::parse("http://s:3129", "--ssl-proxy").unwrap()),
            },
            auth: None,
            issuers: crate::config::IssuerRoute::Direct,
            no_proxy: no_proxy.iter().map(|s| s.to_string()).collect(),
            mode,
        }
    }

    fn path(kind: RouteKind, verdict: Option<(Stage, Kind)>) -> PathReport {
        PathReport {
            target: "https://sws.update.microsoft.com/".into(),
            route: match kind {
                RouteKind::Direct => Route::direct(),
                RouteKind::Proxy => Route::proxy("http://p:3128"),
            },
            ok: verdict.is_none(),
            verdict: verdict.map(|(stage, kind)| crate::model::Verdict {
                stage,
                kind,
                message: String::new(),
                windows_error: None,
                windows_error_name: None,
                wsus_log: None,
                advice: String::new(),
            }),
            elapsed_ms: 0.0,
            stages: vec![],
        }
    }

    #[test]
    fn routes_are_compared_only_where_they_disagree() {
        let d = |v| path(RouteKind::Direct, v);
        let p = |v| path(RouteKind::Proxy, v);
        let refused = Some((Stage::Tcp, Kind::Refused));
        assert!(compare(&[d(None), p(None)]).is_empty());
        assert!(compare(&[d(refused), p(refused)]).is_empty());
        let c = compare(&[d(refused), p(None)]);
        assert_eq!((&*c[0].direct, &*c[0].proxy), ("tcp/refused", "pass"));
        assert!(
            c[0].summary.contains("lets only the proxy out"),
            "{}",
            c[0].summary
        );
        // A stage no row names falls back to where they part; two failures, to one per route.
        let c = compare(&[d(None), p(Some((Stage::Http, Kind::NotFound)))]);
        assert!(
            c[0].summary.starts_with("the routes part at http"),
            "{}",
            c[0].summary
        );
        let c = compare(&[d(refused), p(Some((Stage::Proxy, Kind::Forbidden)))]);
        assert!(c[0].summary.contains("tcp/refused") && c[0].summary.contains("proxy/forbidden"));
        // The intercepted row is taken before the stage-wide ones.
        let c = compare(&[d(None), p(Some((Stage::Certificate, Kind::Intercepted)))]);
        assert!(
            c[0].summary
                .contains("re-signs sws.update.microsoft.com's certificate")
        );
        // A single route: nothing to compare.
        assert!(compare(&[d(refused)]).is_empty());
    }

    #[test]
    fn scheme_bypass_and_mode() {
        let https = Target::parse("https://sws.update.microsoft.com/").unwrap();
        let http = Target::parse("http://download.windowsupdate.com/").unwrap();
        let r = routing(RouteMode::Auto, &["windowsupdate.com"]);
        assert_eq!(proxy_for(&r, &https).unwrap().port, 3129);
        assert!(proxy_for(&r, &http).is_none(), "NO_PROXY suffix bypasses");
        let both = routing(RouteMode::Both, &[]);
        assert_eq!(routes_for(&both, &http).len(), 2);
        assert_eq!(routes_for(&both, &http)[1].as_ref().unwrap().port, 3128);
        assert_eq!(
            routes_for(&routing(RouteMode::Direct, &[]), &https),
            vec![None]
        );
    }
}
