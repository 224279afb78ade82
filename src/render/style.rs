//! The terminal styles of every text renderer, named once. Colour only repeats what the words
//! say (pass, fail, met, allowed…): output without colour (a pipe, `NO_COLOR`) loses nothing.

use anstyle::{AnsiColor, Style};

pub const BOLD: Style = Style::new().bold();
pub const DIM: Style = Style::new().dimmed();
/// A good result: pass, met, allowed, accepted.
pub const GOOD: Style = AnsiColor::Green.on_default();
/// Works, but worth a look: a warning, a legacy entry.
pub const DOUBT: Style = AnsiColor::Yellow.on_default();
/// A failure.
pub const BAD: Style = AnsiColor::Red.on_default().bold();
