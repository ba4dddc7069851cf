//! Output: every command builds a value that can be shown to a person or serialised as JSON;
//! the printer decides which, so no command branches on the format.

use std::io::{self, Write};

use crate::cli::OutputFormat;

/// A command's result, printable both ways.
pub trait Render: serde::Serialize {
    /// Writes the human form.
    fn human(&self, out: &mut dyn Write) -> io::Result<()>;
}

/// Writes results to stdout in the chosen format.
pub struct Printer {
    format: OutputFormat,
}

impl Printer {
    /// A printer for `format`.
    pub fn new(format: OutputFormat) -> Printer {
        Printer { format }
    }

    /// Prints `value` to stdout. Colour escapes are stripped when stdout is not a terminal.
    pub fn emit<T: Render>(&self, value: &T) -> io::Result<()> {
        let mut out = anstream::stdout().lock();
        match self.format {
            OutputFormat::Human => value.human(&mut out)?,
            OutputFormat::Json => {
                serde_json::to_writer_pretty(&mut out, value).map_err(io::Error::other)?;
                out.write_all(b"\n")?;
            }
        }
        out.flush()
    }
}

/// Writes `label: value` lines with the values aligned.
pub fn aligned(out: &mut dyn Write, rows: &[(&str, String)]) -> io::Result<()> {
    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0) + 1;
    for (label, value) in rows {
        writeln!(out, "{:<width$} {value}", format!("{label}:"))?;
    }
    Ok(())
}
