//! Integration tests: the wsusprobe binary against the in-process lab on loopback.
//! Every failure kind of the stage table is produced by a real peer and asserted as
//! `verdict.stage`/`verdict.kind` plus the exit code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

mod lab;

mod logs;

mod cli;
mod host;
mod html;
mod schema;
mod secrets;
mod serve;
mod stage_cert;
mod stage_dns;
mod stage_endpoint;
mod stage_http;
mod stage_proxy;
mod stage_tcp;
mod stage_tls;
mod upstream;
mod wsus_config;
