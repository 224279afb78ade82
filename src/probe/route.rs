//! Which route each target takes: the proxy WSUS would use for it (its scheme's proxy, unless
//! the host bypasses proxies), and how many times to probe it (the route mode).

use crate::config::{RouteMode, Routing};
use crate::model::Route;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Proxies;

    fn routing(mode: RouteMode, no_proxy: &[&str]) -> Routing {
        Routing {
            proxies: Proxies {
                proxy: Some(ProxySpec::parse("http://p:3128", "--proxy").unwrap()),
                ssl_proxy: Some(ProxySpec::parse("http://s:3129", "--ssl-proxy").unwrap()),
            },
            auth: None,
            no_proxy: no_proxy.iter().map(|s| s.to_string()).collect(),
            mode,
        }
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
