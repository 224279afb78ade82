//! The JSON report: the contract of DESIGN.md, pretty-printed.

use std::io::{self, Write};

use crate::model::Report;

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report).map_err(io::Error::other)?;
    writeln!(out)
}
