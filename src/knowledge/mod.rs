//! Data the stages rely on: no I/O, no async. Facts come from ../shared/seeds and
//! research/microsoft-update-facts.md.

pub mod anchors;
pub mod codes;
pub mod endpoints;
pub mod host;
pub mod kerberos;
pub mod logpatterns;
pub mod proxies;
pub mod remedies;
pub mod routes;
pub mod suites;
pub mod winerr;
