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
    /// Every layer of the image a platform pulls, streamed and verified (digest, diff_id): what
    /// each adds, changes and deletes, and the space later layers waste.
    Layers(ImageCommandArgs),
    /// The files of the image a platform pulls: its merged filesystem, or one layer's archive.
    Ls(LsArgs),
    /// One file of the image a platform pulls, from the layer that last wrote it — links
    /// followed, its layer verified.
    Cat(CatArgs),
    /// The SLSA provenance attached to the image a platform pulls: builder, times, source
    /// repository and commit, Dockerfile, build arguments, base images — checked against the
    /// image it is attached to.
    Provenance(ImageCommandArgs),
    /// The SBOM attached to the image a platform pulls (SPDX or CycloneDX): its packages by
    /// ecosystem, filtered with `--filter` — checked against the image it is attached to.
    Sbom(SbomArgs),
    /// Verify the image's cosign signatures (the `sha256-<hex>.sig` tag and signature
    /// referrers) with a public key: each payload against its digest and the image it is
    /// attached to, each signature over the payload's exact bytes.
    Verify(VerifyArgs),
    /// Verify a file's Sigstore bundle (a message signature or a DSSE attestation) with a
    /// public key, or keyless against a trusted root: certificate chain, transparency-log entry
    /// (signed timestamp, inclusion proof, checkpoint), signature, identity — offline.
    VerifyBlob(VerifyBlobArgs),
    /// Build, annotate and push multi-platform indexes (manifest lists) — checked before a byte
    /// is pushed, read back after.
    #[command(subcommand)]
    Index(IndexCommand),
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
    #[arg(required_unless_present_any = ["layout", "codes"], conflicts_with_all = ["layout", "codes"])]
    pub file: Option<PathBuf>,
    /// The Content-Type the bytes were served with (it decides the type before the body does).
    #[arg(long, value_name = "TYPE")]
    pub content_type: Option<String>,
    /// Walk an OCI image layout — a directory, or an image archive read in place (`oci-archive:`,
    /// `docker save` of any Docker) — and verify every blob it references.
    #[arg(long, value_name = "DIR|ARCHIVE", conflicts_with = "codes")]
    pub layout: Option<PathBuf>,
    /// List every finding code: its name, usual severity and meaning.
    #[arg(long)]
    pub codes: bool,
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
    /// Requests in flight at once. Without it: 8, widening to 32 while an index's children and
    /// configs wait.
    #[arg(long)]
    pub concurrency: Option<usize>,
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
    /// Also read what the supply chain says, into the Report's `supplyChain`: the attestations
    /// of the image `--platform` pulls (`fathom provenance`, `fathom sbom`) and the signatures of
    /// the reference and of that image (`fathom verify`), checked with the signer given. Implied
    /// by a signer.
    #[arg(long)]
    pub supply_chain: bool,
    #[command(flatten)]
    pub signer: SignerArgs,
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

/// The image of a reference a platform pulls (`fathom layers`, `fathom ls`).
#[derive(Debug, Args)]
pub struct ImageArgs {
    /// The image reference.
    pub reference: String,
    /// The platform whose image to read (`linux/arm64/v8`), or `local` (this machine).
    #[arg(long, default_value = "local")]
    pub platform: String,
}

/// `fathom layers`, `fathom provenance`: an image, its registry, the output.
#[derive(Debug, Args)]
pub struct ImageCommandArgs {
    #[command(flatten)]
    pub image: ImageArgs,
    #[command(flatten)]
    pub registry: RegistryArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Who a signature must be by: a public key, or a keyless identity under a trusted root.
#[derive(Debug, Args)]
pub struct SignerArgs {
    /// The signer's public key: a PEM file (`cosign.pub`; ECDSA P-256/P-384, Ed25519 or RSA) — or,
    /// for notation signatures, a trust store's certificate (PEM). Without it (or a keyless
    /// identity) the signatures are found and read, not verified.
    #[arg(long, conflicts_with = "trusted_root")]
    pub key: Option<std::path::PathBuf>,
    /// For keyless signatures: a Sigstore trusted root (`trusted_root.json`) — the Fulcio
    /// certificate authorities and Rekor keys to check against, offline.
    #[arg(long, requires_all = ["certificate_identity", "certificate_oidc_issuer"])]
    pub trusted_root: Option<std::path::PathBuf>,
    /// For keyless signatures: who must have signed (the certificate's subject alternative
    /// name: a workflow URI, an email), matched exactly.
    #[arg(long, requires = "trusted_root")]
    pub certificate_identity: Option<String>,
    /// For keyless signatures: the OIDC issuer that vouched for the signer
    /// (`https://token.actions.githubusercontent.com`), matched exactly.
    #[arg(long, requires = "trusted_root")]
    pub certificate_oidc_issuer: Option<String>,
}

/// `fathom verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The image reference.
    pub reference: String,
    #[command(flatten)]
    pub signer: SignerArgs,
    /// Also look up the signatures of this platform's image (`local`, `linux/arm64`), of every
    /// image (`all`, as `cosign sign --recursive` signs), or of none (`none`): the reference's own
    /// digest is always looked up.
    #[arg(long, default_value = "local")]
    pub platform: String,
    #[command(flatten)]
    pub registry: RegistryArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `fathom verify-blob`.
#[derive(Debug, Args)]
pub struct VerifyBlobArgs {
    /// The file the bundle signs (or `sha256:<hex>`, its digest).
    pub file: String,
    /// The Sigstore bundle (`.sigstore`, `.sigstore.json`: what `cosign sign-blob --bundle`,
    /// `sigstore sign` and GitHub's artifact attestations write).
    #[arg(long)]
    pub bundle: std::path::PathBuf,
    #[command(flatten)]
    pub signer: SignerArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `fathom sbom`.
#[derive(Debug, Args)]
pub struct SbomArgs {
    #[command(flatten)]
    pub image: ImageArgs,
    /// Only the packages whose name, version, purl, licence or supplier contains this (any
    /// case); `ecosystem=NAME` keeps one ecosystem (`npm`, `deb`, `golang`).
    #[arg(long)]
    pub filter: Option<String>,
    #[command(flatten)]
    pub registry: RegistryArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `fathom ls`.
#[derive(Debug, Args)]
pub struct LsArgs {
    #[command(flatten)]
    pub image: ImageArgs,
    /// The directory (or file) to list; the root by default.
    #[arg(default_value = "")]
    pub path: String,
    /// List one layer's archive (0: the bottom layer), whiteouts included.
    #[arg(long, conflicts_with = "merged")]
    pub layer: Option<usize>,
    /// List the merged filesystem, each path with the layer that wrote it (the default).
    #[arg(long)]
    pub merged: bool,
    /// Mode, owner, size and layer of each entry.
    #[arg(long, short = 'l')]
    pub long: bool,
    /// Everything under the path, not only what is directly in it.
    #[arg(long, short = 'R')]
    pub recursive: bool,
    #[command(flatten)]
    pub registry: RegistryArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `fathom cat`.
#[derive(Debug, Args)]
pub struct CatArgs {
    #[command(flatten)]
    pub image: ImageArgs,
    /// The file's path from the image's root (`/etc/os-release`).
    pub path: String,
    /// Read at most this many bytes of it.
    #[arg(long, default_value_t = 1 << 20, value_name = "BYTES")]
    pub max_bytes: u64,
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

/// `fathom index …`: the docker-style three steps (`create`, `annotate`, `push`) or one
/// (`create --push`).
#[derive(Debug, Subcommand)]
pub enum IndexCommand {
    /// Draft an index for TARGET from images and indexes already on its registry.
    Create(IndexCreateArgs),
    /// Change the platform an entry of a draft is listed under.
    Annotate(IndexAnnotateArgs),
    /// Check and push a draft: children first, the tag last, read back by digest.
    Push(IndexPushArgs),
}

/// The two kinds of index.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum IndexFormatArg {
    /// OCI image index.
    #[default]
    Oci,
    /// Docker manifest list.
    Docker,
}

/// `fathom index create`.
#[derive(Debug, Args)]
pub struct IndexCreateArgs {
    /// Where the index goes (`registry/repository:tag`).
    pub target: String,
    /// Images (listed under their config's platform) or indexes (their images) on the same
    /// registry.
    #[arg(required = true, num_args = 1..)]
    pub sources: Vec<String>,
    /// OCI index or Docker manifest list.
    #[arg(long, value_enum, default_value_t)]
    pub format: IndexFormatArg,
    /// An annotation of the index (`key=value`; OCI only). Repeatable.
    #[arg(long = "annotation", value_name = "KEY=VALUE")]
    pub annotations: Vec<String>,
    /// Take only these platforms from index sources. Repeatable.
    #[arg(long = "platform", value_name = "PLATFORM")]
    pub platforms: Vec<String>,
    /// Push right away instead of keeping a draft.
    #[arg(long)]
    pub push: bool,
    /// Print the exact bytes that would be pushed (digest on stderr); push and keep nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub registry: RegistryArgs,
    #[command(flatten)]
    pub output: IndexOutputArgs,
}

/// `fathom index annotate`.
#[derive(Debug, Args)]
pub struct IndexAnnotateArgs {
    /// The draft's target.
    pub target: String,
    /// The entry: the source it was created from, or its digest.
    pub source: String,
    /// Operating system.
    #[arg(long)]
    pub os: Option<String>,
    /// Architecture.
    #[arg(long)]
    pub arch: Option<String>,
    /// CPU variant (`v7`, `v8`); an empty value removes it.
    #[arg(long)]
    pub variant: Option<String>,
    /// Operating system version (Windows).
    #[arg(long)]
    pub os_version: Option<String>,
    /// Operating system features, comma-separated (Windows).
    #[arg(long, value_delimiter = ',')]
    pub os_features: Option<Vec<String>>,
    #[command(flatten)]
    pub output: IndexOutputArgs,
}

/// `fathom index push`.
#[derive(Debug, Args)]
pub struct IndexPushArgs {
    /// The draft's target.
    pub target: String,
    /// Print the exact bytes that would be pushed (digest on stderr); push nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub registry: RegistryArgs,
    #[command(flatten)]
    pub output: IndexOutputArgs,
}

/// Output options of the `index` commands: `--format` names the index's format there, so the
/// output format is `--output`.
#[derive(Debug, Clone, Copy, Args)]
pub struct IndexOutputArgs {
    /// Output format.
    #[arg(id = "output_format", long = "output", short = 'o', value_enum, default_value_t)]
    pub format: OutputFormat,
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
