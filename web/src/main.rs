//! # fathom-web
//!
//! Fathom in the browser: a Leptos client-side app, built by Trunk and served by the edge worker.
//! The core's inspect walk runs here, in wasm, so every digest the page shows was hashed by the
//! page; registries without CORS headers are reached through the worker's proxy.

mod app;
mod browser;
mod components;
mod fetch;
mod guess;
mod routes;
mod url_resource;
mod urls;
mod walk;

fn main() {
    leptos::mount::mount_to_body(app::App);
}
