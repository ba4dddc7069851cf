//! # fathom-worker
//!
//! Fathom at the edge, on Cloudflare Workers (and locally on `workerd`): the inspect API over
//! the same core walk as the CLI, a locked-down registry proxy for the browser, an edge cache by
//! digest, and the host of the web app's files.
//!
//! Routes: `/api/v1/*` ([`api`]), `/badge/*` ([`badge`]), `/proxy/<host>/<path>` ([`proxy`]);
//! everything else is the web app's static files, served by the `[assets]` binding before the
//! worker is asked.

pub mod api;
pub mod attestations;
pub mod badge;
pub mod coalesce;
pub mod edge_cache;
pub mod hot;
pub mod later;
pub mod problem;
pub mod proxy;
pub mod settings;
pub mod supply_chain;
pub mod upstream;

use worker::{event, Context, Env, Request, Response, Result};

use crate::problem::Problem;
use crate::settings::Settings;

/// The worker's entry point.
#[event(fetch)]
pub async fn fetch(req: Request, env: Env, ctx: Context) -> Result<Response> {
    let url = req.url()?;
    let settings = match Settings::from_env(&env) {
        Ok(settings) => settings,
        Err(message) => return Problem::new(500, "misconfigured", message).respond(&api::cors()?),
    };
    let own_origin = url.origin().ascii_serialization();
    // The method as sent: `worker::Method` reads any method it does not know as GET.
    let method = req.inner().method();
    let path = url.path().to_owned();
    if let Some(rest) = path.strip_prefix("/proxy/") {
        if method == "OPTIONS" {
            return proxy::preflight(&req, &own_origin, &settings);
        }
        return proxy::handle(&req, &ctx, &method, rest, &own_origin, &settings).await;
    }
    if path.starts_with("/badge/") && matches!(method.as_str(), "GET" | "HEAD") {
        return badge::handle(&url, &settings, &ctx).await;
    }
    if path.starts_with("/api/") {
        return match method.as_str() {
            "GET" | "HEAD" => api::handle(&url, req.headers().get("If-None-Match")?, &settings, &ctx).await,
            "OPTIONS" => {
                let headers = api::cors()?;
                headers.set("Access-Control-Allow-Methods", "GET, HEAD")?;
                headers.set("Access-Control-Allow-Headers", "If-None-Match")?;
                headers.set("Access-Control-Max-Age", "600")?;
                Ok(Response::empty()?.with_status(204).with_headers(headers))
            }
            other => {
                let headers = api::cors()?;
                headers.set("Allow", "GET, HEAD, OPTIONS")?;
                Problem::new(
                    405,
                    "method-not-allowed",
                    format!("{other}: the API only reads (GET, HEAD)"),
                )
                .respond(&headers)
            }
        };
    }
    match env.assets("ASSETS") {
        Ok(assets) => assets.fetch_request(req).await,
        Err(_) => Problem::new(404, "unknown-route", format!("{path}: no such page")).respond(&api::cors()?),
    }
}
