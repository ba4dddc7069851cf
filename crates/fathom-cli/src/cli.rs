//! The command line, as clap sees it. Only definitions live here; `commands/` does the work.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Inspect container image references, platforms and manifests — with proof.
#[derive(Debug, Parser)]
#[command(name = "fathom", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse and normalise an image reference as `docker pull` does.
    Ref(RefArgs),
    /// Parse a platform, or match a host platform against candidates as containerd does.
    Platform(PlatformArgs),
    /// Parse and lint a manifest, index, config or descriptor file, or a whole OCI layout.
    Lint(LintArgs),
    /// Every platform of an image, what each resolves to and what is inside — verified.
    Inspect(InspectArgs),
    /// Which manifest a platform would pull, and why; the nearest alternatives when none.
    Match(MatchArgs),
    /// A repository's tags.
    Tags(TagsArgs),
    /// Compare two references: platforms added, dropped and changed, and the layers they share.
    Diff(DiffArgs),
}

/// Output formats every command offers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Aligned text for people (colour only on a terminal).
    #[default]
    #[value(alias = "table")]
    Human,
    /// One JSON document on stdout, for scripts.
    Json,
}

/// Output options shared by every command.
#[derive(Debug, Clone, Copy, Args)]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t, env = "FATHOM_FORMAT")]
    pub format: OutputFormat,
}

/// `fathom ref`.
#[derive(Debug, Args)]
pub struct RefArgs {
    /// The reference (`busybox`, `ghcr.io/org/app:1.2`, `alpine@sha256:…`).
    pub reference: String,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `fathom platform`.
#[derive(Debug, Args)]
pub struct PlatformArgs {
    /// A platform specifier: `os[(osversion+feature…)][/arch[/variant]]`, e.g. `linux/arm64/v8`.
    pub platform: String,
    /// Candidates to match the platform (as the host) against.
    #[arg(long = "matches", num_args = 1.., value_name = "CANDIDATE")]
    pub candidates: Vec<String>,
    /// Use containerd's `OnlyStrict` (no fallback to older variants or 32-bit).
    #[arg(long, conflicts_with = "exact")]
    pub strict: bool,
    /// Use containerd's `NewMatcher` (the normalised platform only).
    #[arg(long)]
    pub exact: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `fathom lint`.
#[derive(Debug, Args)]
pub struct LintArgs {
    /// The file to lint, or `-` for stdin.
    #[arg(required_unless_present = "layout", conflicts_with = "layout")]
    pub file: Option<PathBuf>,
    /// The Content-Type the bytes were served with (it decides the type before the body does).
    #[arg(long, value_name = "TYPE")]
    pub content_type: Option<String>,
    /// Walk an OCI image layout directory and verify every blob it references.
    #[arg(long, value_name = "DIR")]
    pub layout: Option<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// How to reach a registry.
#[derive(Debug, Clone, Args)]
pub struct RegistryArgs {
    /// User name (the password is read from stdin with --password-stdin).
    #[arg(long, env = "FATHOM_USERNAME")]
    pub username: Option<String>,
    /// Read the password (or token) from stdin.
    #[arg(long)]
    pub password_stdin: bool,
    /// Use plain HTTP (loopback registries always do, as docker does).
    #[arg(long, env = "FATHOM_INSECURE")]
    pub insecure: bool,
    /// Seconds each request may take, body included.
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    pub timeout: u64,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
}

/// `fathom inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The image reference.
    pub reference: String,
    /// A platform to match (`linux/arm64`), `local` (this machine), or `all` (no match).
    #[arg(long, default_value = "all")]
    pub platform: String,
    /// Do not fetch image configs.
    #[arg(long)]
    pub no_config: bool,
    /// Do not look up referrers.
    #[arg(long)]
    pub no_referrers: bool,
    #[command(flatten)]
    pub registry: RegistryArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `fathom match`.
#[derive(Debug, Args)]
pub struct MatchArgs {
    /// The image reference.
    pub reference: String,
    /// The platform to match (`linux/arm64/v8`), or `local` (this machine).
    #[arg(long, default_value = "local")]
    pub platform: String,
    #[command(flatten)]
    pub registry: RegistryArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `fathom tags`.
#[derive(Debug, Args)]
pub struct TagsArgs {
    /// The repository (`busybox`, `ghcr.io/org/app`).
    pub repository: String,
    /// Tags per page requested from the registry.
    #[arg(long)]
    pub page_size: Option<u32>,
    /// Start after this tag (the registry's `last` pagination marker).
    #[arg(long)]
    pub last: Option<String>,
    /// Pages read at most.
    #[arg(long, default_value_t = 100)]
    pub max_pages: u32,
    #[command(flatten)]
    pub registry: RegistryArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `fathom diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The first reference.
    pub a: String,
    /// The second reference.
    pub b: String,
    /// Compare only this platform (`all` compares every platform).
    #[arg(long, default_value = "all")]
    pub platform: String,
    #[command(flatten)]
    pub registry: RegistryArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}
