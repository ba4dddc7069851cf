//! # fathom-browser
//!
//! What the web app's page (`web/`) and its file worker (`web/files/`) share: the browser's driver
//! for the core's registry walks, the few browser APIs wrapped once, and the messages the two
//! exchange.

pub mod browser;
pub mod fetch;
pub mod files;
