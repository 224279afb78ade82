//! Renderers read a `Report` and write it; they never probe.

pub mod allowlist;
pub mod ciphers;
pub mod csv;
pub mod explain;
pub mod host;
pub mod html;
pub mod json;
pub mod junit;
pub mod logs;
pub mod plan;
pub mod prometheus;
pub mod style;
pub mod text;

use std::io::{self, Write};

use crate::model::Report;

/// The output formats of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Junit,
    Csv,
    /// One self-contained page: the path drawn, the verdict, the evidence.
    Html,
}

pub fn render(report: &Report, format: Format, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Text => text::render(report, out),
        Format::Json => json::render(report, out),
        Format::Junit => junit::render(report, out),
        Format::Csv => csv::render(report, out),
        Format::Html => html::render(report, &html::RunFacts::from_env(), out),
    }
}
