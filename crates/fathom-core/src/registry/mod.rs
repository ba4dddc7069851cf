//! The registry protocol without I/O: which requests to send, and what responses mean.
//!
//! A driver (reqwest in the CLI, `worker::Fetch` at the edge, `fetch` in the browser) turns each
//! [`HttpRequest`] into a real request and feeds back an [`HttpResponse`] or a
//! [`TransportError`]; everything with a rule in a spec is decided here.

pub mod blob_access;
pub mod challenge;
pub mod drive;
pub mod error;
pub mod http;
pub mod known;
pub mod remote;
pub mod request;
pub mod resolve;
pub mod session;
pub mod tags;
pub mod token;

pub use challenge::{parse_challenges, Challenge};
pub use error::{Diagnostic, ErrorCode, RegistryError};
pub use http::{BodyReader, ConnectCause, HttpRequest, HttpResponse, Method, TransportError, FROM_CACHE};
pub use known::{known, KnownRegistry};
pub use remote::Remote;
pub use request::{Endpoint, RateLimit};
pub use token::{AuthError, AuthPlan, Credentials, Token, TokenCache};
