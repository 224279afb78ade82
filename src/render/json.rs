//! The JSON report: the contract of DESIGN.md, pretty-printed.

use std::io::{self, Write};

use crate::model::Report;

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    // Serialise first: an I/O error (a closed pipe) then keeps its kind.
    let text = serde_json::to_string_pretty(report).map_err(io::Error::other)?;
    out.write_all(text.as_bytes())?;
    writeln!(out)
}
