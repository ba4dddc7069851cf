//! `/badge/platforms.svg?ref=…` and `/badge/platforms.json?ref=…` (shields.io's endpoint format):
//! the platforms a reference ships, for READMEs. Served through the tag cache like the API, so a
//! README viewed a million times costs the registry a `HEAD` per tag per `TAG_TTL_SECONDS`. A
//! failure is a red badge (an `<img>` shows no problem document), its code in `X-Fathom-Problem`.

use fathom_core::badge::Badge;
use fathom_core::inspect::cached::Lookup;
use worker::{Context, Response, Result, Url};

use crate::api::{self, Freshness};
use crate::later::Later;
use crate::problem::Problem;
use crate::settings::Settings;

/// Answers `GET`/`HEAD` of a path under `/badge/`.
pub async fn handle(url: &Url, settings: &Settings, ctx: &Context) -> Result<Response> {
    let svg = match url.path() {
        "/badge/platforms.svg" => true,
        "/badge/platforms.json" => false,
        path => {
            let detail = format!("{path}: the badges are /badge/platforms.svg and /badge/platforms.json");
            return Problem::new(404, "unknown-route", detail).respond(&api::cors()?);
        }
    };
    let input = match api::required(url, "ref") {
        Ok(input) => input,
        Err(problem) => return problem.respond(&api::cors()?),
    };
    let lookup = Lookup {
        tags: api::tag_policy(url, settings),
        ..Lookup::default()
    };
    let headers = api::cors()?;
    let later = Later::default();
    let badge = match api::report_of(&input, lookup.clone(), settings, Some(&later)).await {
        Ok(found) => {
            api::refresh_later(&found, &input, lookup, settings, &later);
            let freshness = Freshness::of(&[&found], settings);
            headers.set("Cache-Control", &freshness.cache_control)?;
            headers.set("X-Fathom-Cache", freshness.cache)?;
            Badge::platforms(&found.report)
        }
        Err(problem) => {
            headers.set("Cache-Control", "no-cache")?;
            headers.set("X-Fathom-Problem", problem.code)?;
            Badge::failure(&problem.code.replace('-', " "))
        }
    };
    later.hand_to(ctx);
    headers.set("X-Content-Type-Options", "nosniff")?;
    if svg {
        // Opened on its own, the SVG is a document: nothing in it may load or run.
        headers.set("Content-Security-Policy", "default-src 'none'")?;
        headers.set("Content-Type", "image/svg+xml; charset=utf-8")?;
        Ok(Response::from_bytes(badge.svg().into_bytes())?.with_headers(headers))
    } else {
        headers.set("Content-Type", "application/json")?;
        let body = serde_json::to_vec(&badge).map_err(|e| worker::Error::RustError(e.to_string()))?;
        Ok(Response::from_bytes(body)?.with_headers(headers))
    }
}
