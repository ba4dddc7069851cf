//! The app's two views, one module each.

pub(crate) mod compare;
pub(crate) mod inspect;
