//! The WSUS host's own TLS policy: read from a registry snapshot (and w3wp.exe.config), judged
//! against what Microsoft Update needs, and turned into the offer this host would send.
//!
//! Data in, data out: the registry is read by `registry.rs` (export files) or `live.rs`
//! (Windows), the findings' Windows errors and fixes come from `knowledge::winerr`.

pub mod live;
pub mod registry;
pub mod w3wp;
pub mod winhttp;

use crate::hello::ClientOffer;
use crate::knowledge::host::{self as facts, WindowsBuild};
use crate::knowledge::{suites, winerr};
use crate::model::host::{
    CipherOrder, DotnetView, Evidence, HostFinding, HostOffer, HostReport, OsInfo, ProtocolState,
    RootUpdate, WinHttpView,
};
use crate::model::{Kind, Stage, Status};
use registry::Registry;

/// What was read: the registry snapshot, and w3wp.exe.config's switch when that file was read
/// (`Some(false)` for a file without it, or no file where the live system has none).
#[derive(Debug, Default)]
pub struct HostInputs {
    pub sources: Vec<String>,
    pub registry: Registry,
    pub w3wp_switch: Option<bool>,
    /// The proxy WSUS uses (`--wsus-config` with UseProxy), to compare WinHTTP's route with.
    pub wsus_proxy: Option<String>,
}

/// A cipher order entry as written, with its (suite, curve) when it names a known suite.
type OrderEntry = (String, Option<(u16, Option<u16>)>);

/// The policy as read, before judgement.
#[derive(Debug)]
struct Policy {
    build: Option<&'static WindowsBuild>,
    os: Option<OsInfo>,
    protocols: Vec<(ProtocolState, u16, bool)>,
    dotnet: Vec<DotnetView>,
    /// The cipher policy's entries as written, with their parsed (suite, curve) when known.
    order: Option<Vec<OrderEntry>>,
    winhttp: Option<WinHttpView>,
    root_update: Option<RootUpdate>,
    not_read: Vec<String>,
}

/// The host's policy, read, and the findings it leads to.
pub fn assess(inputs: &HostInputs) -> HostReport {
    let policy = read(&inputs.registry);
    let mut findings = Vec::new();
    protocol_findings(&policy, &mut findings);
    dotnet_findings(&policy, &mut findings);
    cipher_findings(&policy, &mut findings);
    w3wp_findings(&policy, inputs.w3wp_switch, &mut findings);
    route_findings(&policy, inputs.wsus_proxy.as_deref(), &mut findings);
    let offer = offer_of(&policy).map(|o| HostOffer {
        versions: o
            .versions
            .iter()
            .map(|v| crate::hello::version_name(*v))
            .collect(),
        suites: o.suites.iter().map(|s| suites::name(*s)).collect(),
        groups: o.groups.iter().map(|g| suites::group_name(*g)).collect(),
    });
    let ok = findings.iter().all(|f| f.status != Status::Fail);
    HostReport {
        sources: inputs.sources.clone(),
        sync_fix: sync_fix(&inputs.registry, policy.build),
        os: policy.os,
        client_protocols: policy.protocols.into_iter().map(|(p, _, _)| p).collect(),
        dotnet: policy.dotnet,
        cipher_order: policy.order.map(|entries| CipherOrder {
            key: facts::CIPHER_POLICY.to_string(),
            microsoft_update: entries
                .iter()
                .filter(|(_, p)| {
                    p.is_some_and(|(id, _)| facts::MICROSOFT_UPDATE_SUITES.contains(&id))
                })
                .map(|(e, _)| e.clone())
                .collect(),
            entries: entries.into_iter().map(|(e, _)| e).collect(),
        }),
        w3wp_switch: inputs.w3wp_switch,
        winhttp: policy.winhttp,
        root_update: policy.root_update,
        not_read: policy.not_read,
        offer: offer.unwrap_or(HostOffer {
            versions: Vec::new(),
            suites: Vec::new(),
            groups: Vec::new(),
        }),
        findings,
        ok,
    }
}

/// The hello this host's policy makes Schannel send: the OS default order (or the cipher order
/// policy's), restricted to the client protocols it enables. `None` when it enables none.
pub fn offer(inputs: &HostInputs) -> Option<ClientOffer> {
    offer_of(&read(&inputs.registry))
}

/// The offer of a policy already read.
fn offer_of(policy: &Policy) -> Option<ClientOffer> {
    let profile = suites::profile(policy.build.map_or("win2019", |b| b.profile));
    let entries: Option<Vec<(u16, Option<u16>)>> = policy
        .order
        .as_ref()
        .map(|o| o.iter().filter_map(|(_, p)| *p).collect());
    let mut offer = ClientOffer::new(profile, entries, false);
    let has13 = offer.suites.iter().any(|s| s >> 8 == 0x13);
    offer.versions = policy
        .protocols
        .iter()
        .filter(|(_, v, on)| *on && (*v != 0x0304 || has13))
        .map(|(_, v, _)| *v)
        .collect();
    if offer.versions.is_empty() {
        return None;
    }
    offer.name = format!(
        "this host's policy ({})",
        policy
            .os
            .as_ref()
            .map_or("Windows version not read", |o| o.name.as_str())
    );
    Some(offer)
}

fn read(reg: &Registry) -> Policy {
    let mut not_read = Vec::new();
    let os = os_info(reg);
    if os.is_none() {
        not_read.push(format!(
            "the Windows version ({}): OS defaults are those of Windows Server 2019",
            facts::CURRENT_VERSION
        ));
    }
    let build = os.as_ref().and_then(|o| facts::build(o.build));
    if !reg.covers(facts::SCHANNEL) {
        not_read.push(format!(
            "SCHANNEL ({}): OS defaults assumed",
            facts::SCHANNEL
        ));
    }
    let protocols = facts::PROTOCOLS
        .iter()
        .map(|(name, v)| protocol_state(reg, build, name, *v))
        .collect();
    let mut dotnet = Vec::new();
    for (view, root, key) in facts::DOTNET_VIEWS {
        if !reg.covers(root) {
            not_read.push(format!(".NET Framework, {view} view ({root})"));
            continue;
        }
        let dword = |name| {
            reg.get(key, name)
                .and_then(|v| v.number())
                .map(|n| n as u32)
        };
        dotnet.push(DotnetView {
            view: view.to_string(),
            key: key.to_string(),
            sch_use_strong_crypto: dword(facts::STRONG_CRYPTO),
            system_default_tls_versions: dword(facts::SYSTEM_DEFAULT_TLS),
        });
    }
    if !reg.covers(facts::CIPHER_POLICY_ROOT) && !reg.complete {
        not_read.push(format!(
            "the SSL Cipher Suite Order policy ({}): none assumed",
            facts::CIPHER_POLICY
        ));
    }
    let order = reg
        .get(facts::CIPHER_POLICY, facts::CIPHER_FUNCTIONS)
        .and_then(|v| v.text())
        .map(|text| {
            text.split([',', '\0'])
                .map(str::trim)
                .filter(|e| !e.is_empty())
                .map(|e| (e.to_string(), suites::parse_schannel(e).ok()))
                .collect()
        });
    let winhttp = winhttp_view(reg, &mut not_read);
    let root_update = (reg.covers(facts::AUTHROOT_POLICY_ROOT) || reg.complete).then(|| {
        let dword = |name| {
            reg.get(facts::AUTHROOT_POLICY, name)
                .and_then(|v| v.number())
                .map(|n| n as u32)
        };
        RootUpdate {
            key: facts::AUTHROOT_POLICY.to_string(),
            disable_root_auto_update: dword(facts::DISABLE_ROOT_AUTO_UPDATE),
            enable_disallowed_cert_auto_update: dword(facts::ENABLE_DISALLOWED_AUTO_UPDATE),
        }
    });
    if root_update.is_none() {
        not_read.push(format!(
            "the automatic root update policy ({}): Windows' default (on) assumed",
            facts::AUTHROOT_POLICY
        ));
    }
    Policy {
        build,
        os,
        protocols,
        dotnet,
        order,
        winhttp,
        root_update,
        not_read,
    }
}

/// WinHTTP's proxy from `WinHttpSettings`: direct when the key holds no such value (WinHTTP's
/// default), an error kept when the value is malformed.
fn winhttp_view(reg: &Registry, not_read: &mut Vec<String>) -> Option<WinHttpView> {
    let key = facts::WINHTTP_CONNECTIONS;
    if !reg.covers(key) && !reg.complete {
        not_read.push(format!(
            "WinHTTP's proxy ({key}\\{}): the route of Windows' own certificate fetches",
            facts::WINHTTP_SETTINGS
        ));
        return None;
    }
    let view = |p: winhttp::WinHttpProxy, error| WinHttpView {
        key: format!("{key}\\{}", facts::WINHTTP_SETTINGS),
        route: p.describe(),
        proxy: p.proxy,
        bypass: p.bypass,
        error,
    };
    let direct = winhttp::WinHttpProxy {
        proxy: None,
        bypass: vec![],
    };
    Some(match reg.get(key, facts::WINHTTP_SETTINGS) {
        None => view(direct, None),
        Some(registry::RegValue::Binary(b)) => match winhttp::parse(b) {
            Ok(p) => view(p, None),
            Err(e) => view(direct, Some(e)),
        },
        Some(other) => view(
            direct,
            Some(format!("WinHttpSettings is {}, not binary", other.shown())),
        ),
    })
}

fn os_info(reg: &Registry) -> Option<OsInfo> {
    let key = facts::CURRENT_VERSION;
    let build = ["CurrentBuild", "CurrentBuildNumber"]
        .iter()
        .find_map(|n| reg.get(key, n).and_then(|v| v.number()))? as u32;
    let name = reg
        .get(key, "ProductName")
        .and_then(|v| v.text())
        .or_else(|| facts::build(build).map(|b| b.name.to_string()))
        .unwrap_or_else(|| format!("Windows build {build}"));
    Some(OsInfo { name, build })
}

/// One client protocol: (state, version, offered).
fn protocol_state(
    reg: &Registry,
    build: Option<&WindowsBuild>,
    name: &str,
    version: u16,
) -> (ProtocolState, u16, bool) {
    let key = format!(r"{}\{name}\Client", facts::SCHANNEL_PROTOCOLS);
    let enabled = reg.get(&key, "Enabled").and_then(|v| v.number());
    let by_default = reg.get(&key, "DisabledByDefault").and_then(|v| v.number());
    let default_on = build
        .map(|b| b.default_protocols)
        .unwrap_or(&[0x0303, 0x0302, 0x0301])
        .contains(&version);
    let mut values = Vec::new();
    if let Some(e) = enabled {
        values.push(format!("Enabled=0x{e:x}"));
    }
    if let Some(d) = by_default {
        values.push(format!("DisabledByDefault=0x{d:x}"));
    }
    let on = match (enabled, by_default) {
        (Some(0), _) | (_, Some(1..)) => false,
        (Some(_), _) => true,
        (None, Some(0)) => true,
        (None, _) => default_on,
    };
    let by = if values.is_empty() {
        "os default"
    } else {
        "registry"
    };
    (
        ProtocolState {
            protocol: name.to_string(),
            enabled: on,
            by: by.into(),
            key,
            values: values.join(", "),
        },
        version,
        on,
    )
}

/// A finding of `kind`, with the table's Windows error and fix.
fn finding(kind: Kind, status: Status, message: String, evidence: Vec<Evidence>) -> HostFinding {
    let fact = winerr::lookup(Stage::Host, kind);
    HostFinding {
        stage: Stage::Host,
        kind,
        status,
        message,
        evidence,
        windows_error: fact.map(|f| f.code.to_string()).filter(|c| !c.is_empty()),
        fix: fact.map(|f| f.advice.to_string()).unwrap_or_default(),
    }
}

fn evidence(key: &str, value: String) -> Evidence {
    Evidence {
        key: key.to_string(),
        value,
    }
}

fn protocol_findings(p: &Policy, out: &mut Vec<HostFinding>) {
    let tls12 = p.protocols.iter().find(|(_, v, _)| *v == 0x0303);
    let modern = p.protocols.iter().any(|(_, v, on)| *on && *v >= 0x0303);
    if let Some((state, _, false)) = tls12
        && state.by == "registry"
    {
        out.push(finding(
            Kind::Tls12ClientDisabled,
            Status::Fail,
            format!(
                "TLS 1.2 is switched off for clients in SCHANNEL ({}): WSUS can only offer older \
                 versions, and Microsoft Update's sync service resets them",
                state.values
            ),
            vec![evidence(&state.key, state.values.clone())],
        ));
    } else if !modern {
        let on: Vec<&str> = p
            .protocols
            .iter()
            .filter(|(_, _, on)| *on)
            .map(|(s, _, _)| s.protocol.as_str())
            .collect();
        let os =
            p.os.as_ref()
                .map_or("this Windows version", |o| o.name.as_str());
        out.push(finding(
            Kind::LegacyProtocolsOnly,
            Status::Fail,
            format!(
                "the client protocols on are {} only: {os} does not turn TLS 1.2 on for clients \
                 by itself, and Microsoft Update's sync service takes TLS 1.2 only",
                if on.is_empty() {
                    "none".to_string()
                } else {
                    on.join(", ")
                }
            ),
            tls12
                .map(|(s, _, _)| vec![evidence(&s.key, "absent (OS default: off)".into())])
                .unwrap_or_default(),
        ));
    }
}

fn dotnet_findings(p: &Policy, out: &mut Vec<HostFinding>) {
    for view in &p.dotnet {
        let shown = |v: Option<u32>| v.map_or("absent".to_string(), |n| format!("0x{n:x}"));
        let strong = view.sch_use_strong_crypto;
        let system = view.system_default_tls_versions;
        if strong == Some(1) && system == Some(1) {
            continue;
        }
        let mut missing = Vec::new();
        if strong != Some(1) {
            missing.push(format!("SchUseStrongCrypto is {}", shown(strong)));
        }
        if system != Some(1) {
            missing.push(format!("SystemDefaultTlsVersions is {}", shown(system)));
        }
        out.push(finding(
            Kind::DotnetStrongCryptoMissing,
            Status::Fail,
            format!(
                ".NET Framework, {} view: {} — .NET clients there (the Catalog import, ConfigMgr's \
                 sync, {} processes) fall back to TLS 1.0, which Microsoft Update resets",
                view.view,
                missing.join(" and "),
                view.view
            ),
            vec![
                evidence(&view.key, format!("SchUseStrongCrypto={}", shown(strong))),
                evidence(
                    &view.key,
                    format!("SystemDefaultTlsVersions={}", shown(system)),
                ),
            ],
        ));
    }
}

fn cipher_findings(p: &Policy, out: &mut Vec<HostFinding>) {
    let Some(order) = &p.order else {
        return;
    };
    let accepted = order.iter().any(|(_, parsed)| {
        parsed.is_some_and(|(id, _)| facts::MICROSOFT_UPDATE_SUITES.contains(&id))
    });
    if accepted {
        return;
    }
    let left: Vec<&str> = order.iter().map(|(e, _)| e.as_str()).collect();
    let add = facts::suites_to_add(p.os.as_ref().map(|o| o.build));
    out.push(finding(
        Kind::CipherOrderExcludesMicrosoftUpdate,
        Status::Fail,
        format!(
            "the SSL Cipher Suite Order policy leaves {} suite(s) ({}) and none that Microsoft \
             Update accepts: add {}",
            left.len(),
            if left.is_empty() {
                "none".to_string()
            } else {
                left.join(", ")
            },
            add.join(" or ")
        ),
        vec![evidence(
            facts::CIPHER_POLICY,
            format!("{}=\"{}\"", facts::CIPHER_FUNCTIONS, left.join(",")),
        )],
    ));
}

fn w3wp_findings(p: &Policy, switch: Option<bool>, out: &mut Vec<HostFinding>) {
    let dotnet_ok = !p.dotnet.is_empty()
        && p.dotnet.iter().all(|v| {
            v.sch_use_strong_crypto == Some(1) && v.system_default_tls_versions == Some(1)
        });
    if switch != Some(false) || dotnet_ok {
        return;
    }
    out.push(finding(
        Kind::W3wpTlsSwitchMissing,
        Status::Warn,
        format!(
            "{} does not set {}=false and the .NET registry values do not cover it either: the \
             Catalog import (in IIS worker processes) offers TLS 1.0",
            facts::W3WP_CONFIG,
            facts::W3WP_SWITCH
        ),
        vec![evidence(
            facts::W3WP_CONFIG,
            format!("{} not set", facts::W3WP_SWITCH),
        )],
    ));
}

/// WinHTTP direct while WSUS uses a proxy (the classic split), and automatic root update off.
fn route_findings(p: &Policy, wsus_proxy: Option<&str>, out: &mut Vec<HostFinding>) {
    if let (Some(view), Some(wsus)) = (&p.winhttp, wsus_proxy)
        && view.proxy.is_none()
    {
        out.push(finding(
            Kind::WinhttpDirectWsusProxied,
            Status::Warn,
            format!(
                "WSUS reaches Microsoft Update through the proxy {wsus}, but WinHTTP — the route Windows fetches a missing intermediate, CRLs and root updates over — goes direct: where the firewall lets only the proxy out, a chain that needs such a fetch fails"
            ),
            vec![evidence(&view.key, view.route.clone())],
        ));
    }
    if let Some(r) = &p.root_update
        && r.disable_root_auto_update == Some(1)
    {
        let disallowed = match r.enable_disallowed_cert_auto_update {
            Some(0) => {
                "; the disallowed-certificate list is not updated either (EnableDisallowedCertAutoUpdate=0)"
            }
            _ => "",
        };
        out.push(finding(
            Kind::RootAutoUpdateDisabled,
            Status::Warn,
            format!(
                "automatic root update is off: Windows does not fetch a root it lacks from ctldl.windowsupdate.com, so a chain to a root missing from LocalMachine\\Root fails{disallowed}"
            ),
            vec![evidence(
                &r.key,
                format!("{}=1", facts::DISABLE_ROOT_AUTO_UPDATE),
            )],
        ));
    }
}

/// Whether the TLS 1.2 fix for WSUS sync is there (Windows Server 2012 / 2012 R2 only).
fn sync_fix(reg: &Registry, build: Option<&WindowsBuild>) -> String {
    let Some(b) = build else {
        return "unknown: the Windows version was not read".into();
    };
    let Some(kb) = b.sync_fix else {
        return format!("not needed on {}", b.name);
    };
    let installed = reg
        .subkeys(facts::CBS_PACKAGES)
        .iter()
        .any(|k| k.to_ascii_uppercase().contains(kb));
    if installed {
        format!("installed: a {kb} package is present")
    } else {
        format!(
            "unknown: {kb} (or a later Monthly Rollup) is needed on {}; Security-only updates lack \
             it. After restarting WsusService, SoftwareDistribution.log shows \"SCHANNEL Protocol\" \
             lines at startup only when it is installed",
            b.name
        )
    }
}
