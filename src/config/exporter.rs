//! `serve --config FILE`: the exporter's modules (blackbox_exporter style) and the extra hosts it
//! may probe. A module is a named set of network settings laid over the command line's: each
//! field it sets replaces the flag of the same name, and its CA files add to `--ca-file`.
//!
//! ```toml
//! allow_targets = ["wsus01.contoso.test", "*.lab.contoso.test"]
//!
//! [modules.proxy_ntlm]
//! proxy = "http://proxy.contoso.test:8080"
//! proxy_user = 'CONTOSO\svc-wsus'
//! password_env = "WSUS_PROXY_PASSWORD"      # or password_file = "/etc/wsusprobe/proxy.pass"
//! ca_files = ["inspection-root.pem"]          # relative to this file
//! client_profile = "win2012r2"
//! timeout = "20s"
//!
//! [modules.proxy_kerberos]                   # as the exporter's own account (its keytab/ticket)
//! proxy = "http://proxy.contoso.test:8080"
//! proxy_auth = "negotiate"
//! proxy_spn = "HTTP/proxy.contoso.test"      # optional: the default is HTTP/<proxy host>
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use serde::Deserialize;

use crate::cli::{NetArgs, OfferArgs, ProxyAuthArg, RouteArg, TlsVersionArg};
use crate::config::inputs::{self, PasswordSource};
use crate::config::{Config, Network, Proxies, Routing, TlsSettings};
use crate::error::UsageError;

/// The file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExporterFile {
    #[serde(default)]
    allow_targets: Vec<String>,
    #[serde(default)]
    modules: BTreeMap<String, ModuleSpec>,
}

/// One module as written: every field optional, each named as the flag it replaces.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModuleSpec {
    proxy: Option<String>,
    ssl_proxy: Option<String>,
    no_proxy: Option<bool>,
    proxy_user: Option<String>,
    proxy_auth: Option<String>,
    proxy_spn: Option<String>,
    winhttp_proxy: Option<String>,
    no_aia: Option<bool>,
    password_env: Option<String>,
    password_file: Option<PathBuf>,
    dns_server: Option<String>,
    resolve: Option<Vec<String>>,
    timeout: Option<String>,
    connect_timeout: Option<String>,
    tls_version: Option<String>,
    ciphers: Option<String>,
    client_profile: Option<String>,
    #[serde(default)]
    ca_files: Vec<PathBuf>,
}

/// The validated file: extra allowed hosts, and each module's settings built once.
#[derive(Debug, Default)]
pub struct Exporter {
    pub allow_targets: Vec<String>,
    pub modules: BTreeMap<String, Config>,
}

impl Exporter {
    /// Read and validate `path`; each module is built over the command line's flags.
    pub fn load(
        path: &Path,
        net: &NetArgs,
        offer: &OfferArgs,
        ca_files: &[PathBuf],
    ) -> Result<Exporter, UsageError> {
        let shown = path.display().to_string();
        let bytes = inputs::read_input(path, "--config", inputs::INPUT_LIMIT)?;
        let text = String::from_utf8(bytes)
            .map_err(|_| UsageError(format!("--config {shown}: not UTF-8 text")))?;
        let base = path.parent().unwrap_or(Path::new("."));
        Exporter::parse(&text, &shown, base, net, offer, ca_files)
    }

    /// `text` as the file `shown`, whose relative paths start at `dir`.
    pub fn parse(
        text: &str,
        shown: &str,
        dir: &Path,
        net: &NetArgs,
        offer: &OfferArgs,
        ca_files: &[PathBuf],
    ) -> Result<Exporter, UsageError> {
        let file: ExporterFile = toml::from_str(text).map_err(|e| {
            UsageError(format!(
                "--config {shown}: {}",
                inputs::toml_error(text, &e)
            ))
        })?;
        let mut modules = BTreeMap::new();
        for (name, spec) in &file.modules {
            let at =
                |e: UsageError| UsageError(format!("--config {shown}, module '{name}': {}", e.0));
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
            {
                return Err(at(UsageError(
                    "a module name holds letters, digits, '_', '-' and '.' only".into(),
                )));
            }
            let cfg = spec.build(dir, net, offer, ca_files).map_err(at)?;
            modules.insert(name.clone(), cfg);
        }
        Ok(Exporter {
            allow_targets: file.allow_targets,
            modules,
        })
    }
}

impl ModuleSpec {
    /// The module's settings: the command line's with this module's fields laid over them.
    fn build(
        &self,
        dir: &Path,
        net: &NetArgs,
        offer: &OfferArgs,
        ca_files: &[PathBuf],
    ) -> Result<Config, UsageError> {
        let mut net = net.clone();
        let mut offer = offer.clone();
        let set = |slot: &mut Option<String>, v: &Option<String>| {
            if v.is_some() {
                slot.clone_from(v);
            }
        };
        if self.proxy.is_some() || self.ssl_proxy.is_some() {
            net.no_proxy = false;
        }
        set(&mut net.proxy, &self.proxy);
        set(&mut net.ssl_proxy, &self.ssl_proxy);
        set(&mut net.proxy_user, &self.proxy_user);
        set(&mut net.proxy_spn, &self.proxy_spn);
        set(&mut net.winhttp_proxy, &self.winhttp_proxy);
        if let Some(off) = self.no_aia {
            net.no_aia = off;
        }
        set(&mut net.dns_server, &self.dns_server);
        if self.no_proxy == Some(true) {
            (net.proxy, net.ssl_proxy, net.proxy_user) = (None, None, None);
            net.no_proxy = true;
        }
        if let Some(r) = &self.resolve {
            net.resolve.clone_from(r);
        }
        if let Some(t) = &self.timeout {
            net.timeout.clone_from(t);
        }
        if let Some(t) = &self.connect_timeout {
            net.connect_timeout.clone_from(t);
        }
        if let Some(a) = &self.proxy_auth {
            net.proxy_auth = ProxyAuthArg::from_str(a, true).map_err(|_| {
                UsageError(format!(
                    "proxy_auth '{a}': use auto, basic, ntlm or negotiate"
                ))
            })?;
        }
        if let Some(v) = &self.tls_version {
            offer.tls_version = TlsVersionArg::from_str(v, true)
                .map_err(|_| UsageError(format!("tls_version '{v}': use \"1.2\" or \"1.3\"")))?;
        }
        set(&mut offer.ciphers, &self.ciphers);
        set(&mut offer.client_profile, &self.client_profile);
        let password = match (&self.password_env, &self.password_file) {
            (Some(_), Some(_)) => {
                return Err(UsageError(
                    "give password_env or password_file, not both".into(),
                ));
            }
            (Some(var), None) => PasswordSource::Env(var.clone()),
            (None, Some(f)) => PasswordSource::File(dir.join(f)),
            (None, None) => PasswordSource::Default,
        };
        let mut cas = ca_files.to_vec();
        cas.extend(self.ca_files.iter().map(|f| dir.join(f)));
        let network = Network::from_args(&net)?;
        let tls = TlsSettings::from_args(&offer, &cas)?;
        let route = Routing::with_password(&net, RouteArg::Auto, Proxies::default(), &password)?;
        Ok(Config::new(Vec::new(), network, route, tls))
    }
}
