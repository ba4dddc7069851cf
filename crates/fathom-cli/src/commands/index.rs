//! `fathom index create | annotate | push`: multi-platform indexes from images already on a
//! registry, checked before anything is pushed, pushed children first and the tag last, and read
//! back by digest.

use std::io::{self, Write};

use fathom_core::author::{IndexDraft, IndexFormat, Push, PushReport};
use fathom_core::finding::{has_error, Finding};
use fathom_core::inspect::{Inspect, Options};
use fathom_core::report::Report;
use fathom_core::{Digest, Platform, Reference};
use owo_colors::OwoColorize;

use super::lint::{outcome, write_findings};
use super::registry::{human_size, local_platform, run_all, short_digest, Context};
use super::{CommandError, Outcome};
use crate::cli::{IndexAnnotateArgs, IndexCommand, IndexCreateArgs, IndexFormatArg, IndexPushArgs, RegistryArgs};
use crate::drafts;
use crate::printer::{Printer, Render};

/// Runs an `index` subcommand.
pub fn run(command: IndexCommand) -> Result<Outcome, CommandError> {
    match command {
        IndexCommand::Create(args) => create(args),
        IndexCommand::Annotate(args) => annotate(args),
        IndexCommand::Push(args) => push(args),
    }
}

/// A draft with what its checks found, printable.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct DraftView {
    #[serde(flatten)]
    draft: IndexDraft,
    /// The digest the index would have.
    digest: String,
    /// Its size in bytes.
    size: usize,
    findings: Vec<Finding>,
    /// Where the draft is kept (not when it was pushed or only printed).
    #[serde(skip_serializing_if = "Option::is_none")]
    kept_in: Option<String>,
}

impl DraftView {
    fn new(draft: IndexDraft, kept_in: Option<String>) -> DraftView {
        let bytes = draft.bytes();
        DraftView {
            digest: Digest::sha256(&bytes).to_string(),
            size: bytes.len(),
            findings: draft.check(),
            draft,
            kept_in,
        }
    }
}

impl Render for DraftView {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        let d = &self.draft;
        writeln!(
            out,
            "{}  {} · {} entries · {} · {}",
            d.target.bold(),
            d.format.media_type(),
            d.entries.len(),
            short_digest(&self.digest),
            human_size(self.size as u64)
        )?;
        writeln!(out, "  {:<18} {:<22} {:>9}  SOURCE", "PLATFORM", "DIGEST", "SIZE")?;
        for e in &d.entries {
            writeln!(
                out,
                "  {:<18} {:<22} {:>9}  {}",
                e.platform.format_all(),
                short_digest(&e.digest),
                human_size(e.size),
                e.source
            )?;
        }
        for (key, value) in &d.annotations {
            writeln!(out, "  annotation {key}={value}")?;
        }
        write_findings(out, &self.findings)?;
        if let Some(file) = &self.kept_in {
            let next = if has_error(&self.findings) {
                "fix the errors with `fathom index annotate`, then"
            } else {
                "next:"
            };
            writeln!(out, "draft kept in {file}; {next} `fathom index push {}`", d.target)?;
        }
        Ok(())
    }
}

/// What a push did, printable.
#[derive(serde::Serialize)]
#[serde(transparent)]
struct PushView(PushReport);

impl Render for PushView {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        let r = &self.0;
        writeln!(out, "{} {}", "pushed".green().bold(), r.reference.bold())?;
        writeln!(out, "  digest      {}", r.digest)?;
        writeln!(out, "  media type  {} · {}", r.media_type, human_size(r.size))?;
        writeln!(
            out,
            "  children    {} copied into the repository, {} already there",
            r.children_copied, r.children_present
        )?;
        writeln!(
            out,
            "  blobs       {} mounted, {} copied ({})",
            r.blobs_mounted,
            r.blobs_copied,
            human_size(r.bytes_copied)
        )?;
        let verified = if r.verified {
            "✔ read back by digest: the registry holds exactly the bytes sent"
                .green()
                .to_string()
        } else {
            "✘ not verified".red().to_string()
        };
        writeln!(out, "  {verified}")?;
        writeln!(out, "  {} HTTP requests", r.requests)
    }
}

/// `--dry-run`: the exact bytes on stdout (nothing else there), the digest on stderr.
fn print_bytes(draft: &IndexDraft) -> Result<Outcome, CommandError> {
    let bytes = draft.bytes();
    let findings = draft.check();
    let mut err = anstream::stderr().lock();
    if !findings.is_empty() {
        write_findings(&mut err, &findings)?;
    }
    writeln!(
        err,
        "{} · {} bytes · {} — dry run, nothing pushed",
        Digest::sha256(&bytes),
        bytes.len(),
        draft.format.media_type()
    )?;
    let mut out = io::stdout().lock();
    out.write_all(&bytes)?;
    out.flush()?;
    Ok(outcome(&findings))
}

fn create(args: IndexCreateArgs) -> Result<Outcome, CommandError> {
    let context = Context::new(&args.target, &args.registry)?;
    let format = match args.format {
        IndexFormatArg::Oci => IndexFormat::Oci,
        IndexFormatArg::Docker => IndexFormat::Docker,
    };
    let mut draft = IndexDraft::new(&context.reference, format).map_err(CommandError::invalid)?;
    for annotation in &args.annotations {
        let (key, value) = annotation
            .split_once('=')
            .filter(|(k, _)| !k.is_empty())
            .ok_or_else(|| CommandError::Invalid(format!("--annotation {annotation:?}: expected KEY=VALUE")))?;
        draft.annotations.insert(key.to_owned(), value.to_owned());
    }
    let only: Vec<Platform> = args
        .platforms
        .iter()
        .map(|p| Platform::parse(p, &local_platform()).map_err(CommandError::invalid))
        .collect::<Result<_, _>>()?;
    let reports = inspect_sources(&args.sources, &context, &args.registry)?;
    for (source, report) in args.sources.iter().zip(&reports) {
        draft.add_source(source, report, &only).map_err(CommandError::invalid)?;
    }
    let printer = Printer::new(args.output.format);
    if args.dry_run {
        return print_bytes(&draft);
    }
    if args.push {
        return push_draft(draft, context, &args.registry, printer, false);
    }
    let file = drafts::save(&draft)?;
    let view = DraftView::new(draft, Some(file.display().to_string()));
    printer.emit(&view)?;
    Ok(outcome(&view.findings))
}

/// Every source walked at once (configs read, no referrers): what each lists, verified.
fn inspect_sources(sources: &[String], context: &Context, args: &RegistryArgs) -> Result<Vec<Report>, CommandError> {
    let walks = sources
        .iter()
        .map(|source| {
            let reference = Reference::parse(source).map_err(|e| CommandError::Invalid(format!("{source}: {e}")))?;
            let no_referrers = Options {
                referrers: false,
                ..Options::default()
            };
            Ok(Inspect::new(source, reference, &context.remote(args), no_referrers))
        })
        .collect::<Result<Vec<_>, CommandError>>()?;
    let results = run_all(walks, args)?;
    sources
        .iter()
        .zip(results)
        .map(|(source, result)| {
            result
                .map(|report| *report)
                .map_err(|f| match f.message.contains(source.as_str()) {
                    true => CommandError::Registry(f.message),
                    false => CommandError::Registry(format!("{source}: {}", f.message)),
                })
        })
        .collect()
}

fn annotate(args: IndexAnnotateArgs) -> Result<Outcome, CommandError> {
    let target = Reference::parse(&args.target).map_err(CommandError::invalid)?;
    let mut draft = drafts::load(&target.canonical())?;
    let entry = draft.entry_mut(&args.source).map_err(CommandError::invalid)?;
    let mut platform = entry.platform.clone();
    if let Some(os) = &args.os {
        platform.os = os.clone();
    }
    if let Some(arch) = &args.arch {
        platform.architecture = arch.clone();
    }
    if let Some(variant) = &args.variant {
        platform.variant = variant.clone();
    }
    if let Some(version) = &args.os_version {
        platform.os_version = version.clone();
    }
    if let Some(features) = &args.os_features {
        platform.os_features = features.iter().filter(|f| !f.is_empty()).cloned().collect();
    }
    // The same grammar as everywhere else: `--arch arm64/v8` is refused, not written.
    let spec = [platform.os.as_str(), &platform.architecture, &platform.variant]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("/");
    Platform::parse(&spec, &local_platform()).map_err(|e| CommandError::Invalid(format!("the platform {e}")))?;
    entry.platform = platform;
    let file = drafts::save(&draft)?;
    let view = DraftView::new(draft, Some(file.display().to_string()));
    Printer::new(args.output.format).emit(&view)?;
    Ok(outcome(&view.findings))
}

fn push(args: IndexPushArgs) -> Result<Outcome, CommandError> {
    let context = Context::new(&args.target, &args.registry)?;
    let draft = drafts::load(&context.reference.canonical())?;
    if args.dry_run {
        return print_bytes(&draft);
    }
    push_draft(draft, context, &args.registry, Printer::new(args.output.format), true)
}

/// Pushes `draft` unless its checks found an error (then nothing is sent); forgets the kept
/// draft after a push that was read back.
fn push_draft(
    draft: IndexDraft,
    context: Context,
    args: &RegistryArgs,
    printer: Printer,
    kept: bool,
) -> Result<Outcome, CommandError> {
    if has_error(&draft.check()) {
        let view = DraftView::new(draft, None);
        printer.emit(&view)?;
        eprintln!("fathom: not pushed: the index has errors (above); nothing was sent");
        return Ok(Outcome::Failure);
    }
    let remote = context.remote(args);
    let report =
        super::registry::run(Push::new(&draft, &remote), args)?.map_err(|f| CommandError::Registry(f.message))?;
    if kept {
        drafts::remove(&draft.target)?;
    }
    printer.emit(&PushView(report))?;
    Ok(Outcome::Success)
}
