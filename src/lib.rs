//! wsusprobe: walk the network path a WSUS server uses to reach Microsoft Update — endpoint, DNS,
//! TCP, proxy, TLS, certificate, clock, HTTP — and name the first stage that breaks.
//!
//! Layout (ARCHITECTURE.md): `cli` (clap) → `commands` (one per subcommand: job and run) →
//! `config` (validated settings) → `probe` (stages, data only) and `render` (text, JSON, JUnit,
//! CSV) → `hello` (raw ClientHello engine), `auth`, `knowledge` (facts as data tables) →
//! `model` (the report contract). `target` is the shared vocabulary; `deadline` and `timefmt`
//! are small utilities every layer may use.

pub mod auth;
pub mod cli;
pub mod commands;
pub mod config;
pub mod deadline;
pub mod error;
pub mod exit;
#[doc(hidden)]
pub mod fuzzing;
pub mod hello;
pub mod host;
pub mod knowledge;
pub mod logscan;
pub mod model;
pub mod plan;
pub mod platform;
pub mod probe;
pub mod render;
pub mod target;
pub mod text;
pub mod timefmt;
pub mod upstream;
