//! The app's three views, one module each.

pub(crate) mod archive;
pub(crate) mod compare;
pub(crate) mod inspect;
