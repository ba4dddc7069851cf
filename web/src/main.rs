//! # fathom-web
//!
//! Fathom in the browser: a Leptos client-side app, built by Trunk and served by the edge worker.
//! The core's inspect walk runs here, in wasm, so every digest the page shows was hashed by the
//! page; registries without CORS headers are reached through the worker's proxy. An image's
//! files are read by a Web Worker of its own (`web/files`), loaded when a user opens
//! them — or an image archive dropped on the page, which the same worker reads in place.

mod app;
mod archive;
mod chunks;
mod components;
mod files_client;
mod guess;
mod routes;
mod url_resource;
mod urls;
mod walk;

use fathom_browser::{browser, fetch};

fn main() {
    leptos::mount::mount_to_body(app::App);
}
