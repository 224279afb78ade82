//! JSON output: the report (the contract of DESIGN.md, its schema in
//! `testdata/schema/report.schema.json`) and every other command's answer, pretty-printed the
//! same way.

use std::io::{self, Write};

use serde::Serialize;

use crate::model::Report;

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    write(report, out)
}

/// Any answer as pretty JSON and a newline.
pub fn write<T: Serialize + ?Sized>(value: &T, out: &mut dyn Write) -> io::Result<()> {
    // Serialise first: an I/O error (a closed pipe) then keeps its kind.
    let text = serde_json::to_string_pretty(value).map_err(io::Error::other)?;
    out.write_all(text.as_bytes())?;
    writeln!(out)
}
