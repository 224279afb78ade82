//! wsusprobe: walk the network path a WSUS server uses to reach Microsoft Update — endpoint, DNS,
//! TCP, TLS, certificate, clock, HTTP — and name the first stage that breaks.
//!
//! Layout: `cli` (clap) → `config` (validated) → `probe` (stages, data only) → `model` (the report
//! contract) → `render` (text, JSON). `knowledge` holds the facts as data tables; `hello` is the raw
//! ClientHello engine.

pub mod allowlist;
pub mod auth;
pub mod ciphers;
pub mod cli;
pub mod config;
pub mod exit;
pub mod explain;
#[doc(hidden)]
pub mod fuzzing;
pub mod hello;
pub mod knowledge;
pub mod logs;
pub mod model;
pub mod plan;
pub mod probe;
pub mod render;
pub mod timefmt;
pub mod upstream;
pub mod wsusconfig;
