//! One module per subcommand. Each returns an [`Outcome`] or a [`CommandError`]; `main` maps
//! them to exit codes (0 success, 1 a failed check, 2 unusable input).

pub mod attested;
pub mod cat;
pub mod diff;
pub mod image_files;
pub mod index;
pub mod inspect;
pub mod layers;
pub mod lint;
pub mod ls;
pub mod matching;
pub mod platform;
pub mod provenance;
pub mod reference;
pub mod registry;
pub mod sbom;
pub mod supply_chain;
pub mod tags;
pub mod verify;
pub mod verify_blob;

/// How a command that ran to the end went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything checked out.
    Success,
    /// The command ran, but what it checked failed (an error finding, no platform match).
    Failure,
}

/// Input the command could not use: reported on stderr with exit code 2, nothing on stdout.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The input was refused by the core's parser; its message says why.
    #[error("{0}")]
    Invalid(String),
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The registry could not answer (not found, auth, rate limit, down): exit 1.
    #[error("{0}")]
    Registry(String),
    /// Writing the output failed.
    #[error("cannot write output: {0}")]
    Output(#[from] std::io::Error),
}

impl CommandError {
    /// An input refused by a parser.
    pub fn invalid(error: impl std::fmt::Display) -> CommandError {
        CommandError::Invalid(error.to_string())
    }
}
