//! Authoring multi-platform indexes: a draft built from images already in a registry, the checks
//! that stop a wrong index before it is pushed, and the push itself (children first, the tag last,
//! read back by digest) — planned here, sent by a driver.

pub mod draft;
pub mod push;

pub use draft::{DraftEntry, DraftError, IndexDraft, IndexFormat};
pub use push::{Push, PushReport};
