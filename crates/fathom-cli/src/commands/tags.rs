//! `fathom tags`: a repository's tags, every page.

use std::io::{self, Write};

use fathom_core::registry::tags::{Page, TagList, Tags};

use super::registry::{run, Context};
use super::{CommandError, Outcome};
use crate::cli::TagsArgs;
use crate::printer::{Printer, Render};

/// The tag list.
#[derive(serde::Serialize)]
#[serde(transparent)]
pub struct TagsView(Tags);

impl Render for TagsView {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        for tag in &self.0.tags {
            writeln!(out, "{tag}")?;
        }
        if let Some(next) = &self.0.next {
            writeln!(out, "… more tags at {next} (raise --max-pages)")?;
        }
        Ok(())
    }
}

/// Runs `fathom tags`.
pub fn run_tags(args: TagsArgs) -> Result<Outcome, CommandError> {
    let context = Context::new(&args.repository, &args.registry)?;
    if context.reference.tag().is_some() || context.reference.digest().is_some() {
        return Err(CommandError::Invalid(format!(
            "{}: give a repository, without tag or digest",
            args.repository
        )));
    }
    // The one plain-HTTP decision, credentials and clock that inspect uses too.
    let remote = context.remote(&args.registry);
    let walk = TagList::new(
        &context.reference,
        Page {
            size: args.page_size,
            last: args.last.clone(),
        },
        args.max_pages,
        &remote,
    );
    let tags = run(walk, &args.registry)?.map_err(|f| CommandError::Registry(f.message))?;
    Printer::new(args.output.format).emit(&TagsView(tags))?;
    Ok(Outcome::Success)
}
