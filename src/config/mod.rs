//! The validated settings of a probe run, grouped: the targets, the network (resolver, overrides,
//! time limits), the route (proxies, credentials, mode) and TLS (offer, extra trust anchors). Each
//! group is built once from the command line; every exit-2 error is born here or in `target`.
//! `inputs` is the only place that reads files, the environment or the terminal.

use std::time::SystemTime;

pub mod exporter;
pub mod hostpolicy;
pub mod inputs;
pub mod network;
pub mod route;
pub mod tls;
pub mod wsus;

pub use network::{Network, TlsStack};
pub use route::{IssuerRoute, Proxies, RouteMode, Routing};
pub use tls::{TlsSettings, TlsVersion};

use std::path::PathBuf;

use crate::cli::{NetArgs, RouteArg};
use crate::error::UsageError;
use crate::target::Target;

/// Everything a probe run needs, validated.
#[derive(Debug, Clone)]
pub struct Config {
    pub targets: Vec<Target>,
    pub net: Network,
    pub route: Routing,
    pub tls: TlsSettings,
    /// `--strict`: warnings fail the run too.
    pub strict: bool,
    /// The local clock, read once: certificates are judged against it.
    pub now: SystemTime,
}

impl Config {
    /// The settings of a command with the shared network flags only: route `auto` through the
    /// proxies the flags name (or `configured`, a WSUS export's), TLS 1.2 as rustls offers it,
    /// and the extra trust anchors of `ca_files`. Credentials are read last.
    pub fn from_net_args(
        targets: Vec<Target>,
        net: &NetArgs,
        configured: Proxies,
        ca_files: &[PathBuf],
    ) -> Result<Config, UsageError> {
        let network = Network::from_args(net)?;
        let tls = TlsSettings::with_ca_files(ca_files)?;
        let route = Routing::from_args(net, RouteArg::Auto, configured)?;
        Ok(Config::new(targets, network, route, tls))
    }

    pub fn new(targets: Vec<Target>, net: Network, route: Routing, tls: TlsSettings) -> Config {
        Config {
            targets,
            net,
            route,
            tls,
            strict: false,
            now: SystemTime::now(),
        }
    }
}
