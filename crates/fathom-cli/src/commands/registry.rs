//! What the registry commands share: the reference, credentials, the clock, the local platform,
//! and running a walk on a small tokio runtime.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use fathom_core::inspect::{Inspect, Options};
use fathom_core::registry::remote::{DEFAULT_CONCURRENCY, DEFAULT_FANOUT};
use fathom_core::registry::session::{Failure, Walk};
use fathom_core::registry::{Credentials, Remote};
use fathom_core::report::Report;
use fathom_core::{Platform, Reference};

use super::CommandError;
use crate::cli::RegistryArgs;
use crate::credentials;
use crate::transport::Transport;

/// A registry command's parsed inputs.
pub struct Context {
    /// The reference.
    pub reference: Reference,
    /// Credentials, when any were found.
    pub credentials: Option<Credentials>,
    /// Unix seconds now.
    pub now: u64,
}

impl Context {
    /// Parses `reference` and finds its credentials.
    pub fn new(reference: &str, args: &RegistryArgs) -> Result<Context, CommandError> {
        let reference = Reference::parse(reference).map_err(CommandError::invalid)?;
        let credentials = credentials::resolve(reference.registry(), args.username.as_deref(), args.password_stdin)
            .map_err(CommandError::Invalid)?;
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        Ok(Context {
            reference,
            credentials,
            now,
        })
    }
}

impl Context {
    /// The reference's registry as every walk speaks to it: the scheme (`--insecure`), the
    /// credentials found, `--concurrency` and this machine's clock.
    pub fn remote(&self, args: &RegistryArgs) -> Remote {
        Remote::of(&self.reference)
            .insecure(args.insecure)
            .with_credentials(self.credentials.clone())
            .with_concurrency(args.concurrency.unwrap_or(DEFAULT_CONCURRENCY))
            .with_fanout(args.concurrency.unwrap_or(DEFAULT_FANOUT))
            .at(self.now)
    }
}

/// Runs the inspect walk of `input` with what `options` leaves to the command.
pub fn inspect(
    input: &str,
    context: Context,
    args: &RegistryArgs,
    options: Options,
) -> Result<Box<Report>, CommandError> {
    let remote = context.remote(args);
    run(Inspect::new(input, context.reference, &remote, options), args)?.map_err(|f| CommandError::Registry(f.message))
}

/// Runs `walk` over HTTP(S).
pub fn run<W: Walk>(walk: W, args: &RegistryArgs) -> Result<Result<W::Output, Failure>, CommandError> {
    let mut outcomes = run_all(vec![walk], args)?;
    Ok(outcomes.remove(0))
}

/// Runs every walk at once over HTTP(S); their outcomes in the same order.
pub fn run_all<W: Walk>(walks: Vec<W>, args: &RegistryArgs) -> Result<Vec<Result<W::Output, Failure>>, CommandError> {
    let runtime = runtime()?;
    let transport = Transport::new(Duration::from_secs(args.timeout.max(1))).map_err(CommandError::Invalid)?;
    let runs = walks.into_iter().map(|walk| transport.run(walk));
    Ok(runtime.block_on(futures_util::future::join_all(runs)))
}

/// The small runtime a command's requests run on.
pub fn runtime() -> Result<tokio::runtime::Runtime, CommandError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CommandError::Invalid(format!("cannot start the async runtime: {e}")))
}

/// The row of the image a platform pulls in `report` — when the walk's checks passed and a
/// platform matched; otherwise why not.
pub fn pulled_row(report: &Report) -> Result<usize, CommandError> {
    if let Some(finding) = report.failed_check() {
        return Err(CommandError::Registry(format!(
            "{}: {} {}",
            report.reference.canonical, finding.code, finding.message
        )));
    }
    report.pulled_image().map(|(row, _)| row).ok_or_else(|| {
        let why = report
            .platform_match
            .as_ref()
            .map_or_else(|| "no image".to_owned(), |m| m.explanation.summary.clone());
        CommandError::Registry(format!("{}: {why}", report.reference.canonical))
    })
}

/// `local`: this machine's platform, with the CPU variant on 32-bit arm read from /proc/cpuinfo.
pub fn local_platform() -> Platform {
    let mut platform = Platform::build_target();
    if platform.architecture == "arm" {
        if let Some(version) = std::fs::read_to_string("/proc/cpuinfo").ok().and_then(|info| {
            info.lines().find_map(|l| {
                l.strip_prefix("CPU architecture")
                    .map(|v| v.trim_start_matches([' ', '\t', ':']).trim().to_owned())
            })
        }) {
            platform.variant = format!("v{}", version.trim_start_matches('v'));
        }
    }
    platform
}

/// `--platform`: `all` (none to match), `local`, or a specifier.
pub fn platform_arg(value: &str) -> Result<Option<Platform>, CommandError> {
    match value {
        "all" => Ok(None),
        "local" => Ok(Some(local_platform())),
        spec => Platform::parse(spec, &local_platform())
            .map(Some)
            .map_err(CommandError::invalid),
    }
}

pub use fathom_core::report::{human_size, short_digest};
