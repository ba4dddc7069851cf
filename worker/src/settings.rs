//! The worker's settings, read from `wrangler.toml`'s `[vars]` on every request (cheap: a few
//! short strings) so that `wrangler dev --var` and environments can change them.

use fathom_core::egress::Allowlist;
use worker::{Env, ObjectNamespace};

use crate::coalesce;

/// What the edge may reach and whom it answers.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Registries, token endpoints and blob redirect hosts the edge may reach.
    pub allowlist: Allowlist,
    /// Origins (besides the worker's own) whose pages may use the proxy.
    pub proxy_origins: Vec<String>,
    /// Seconds an upstream request may take, headers and body.
    pub upstream_timeout_seconds: u64,
    /// Seconds a Report stays in the edge cache under its resolved digest.
    pub report_ttl_seconds: u64,
    /// Seconds a by-tag answer may be cached by clients.
    pub tag_ttl_seconds: u64,
    /// An operator's own Sigstore trusted root (JSON), trusted besides Sigstore's public-good
    /// one for keyless checks: a private Sigstore deployment's (the dev environment's is the demo
    /// registry's). Read when a keyless check asks for it.
    pub sigstore_trusted_root: Option<String>,
    /// The Durable Objects that make concurrent askers of one reference wait for one walk
    /// ([`crate::coalesce`]); without the binding, each walks alone.
    pub coalescer: Option<ObjectNamespace>,
}

fn var(env: &Env, name: &str) -> String {
    env.var(name).map(|v| v.to_string()).unwrap_or_default()
}

fn number(env: &Env, name: &str, default: u64) -> Result<u64, String> {
    match var(env, name).trim() {
        "" => Ok(default),
        text => text
            .parse()
            .map_err(|_| format!("{name} must be a whole number of seconds, not {text:?}")),
    }
}

impl Settings {
    /// Reads the settings; a malformed allowlist is an error, never an open proxy.
    pub fn from_env(env: &Env) -> Result<Settings, String> {
        let allowlist = Allowlist::parse(
            &var(env, "REGISTRIES"),
            &var(env, "TOKEN_ENDPOINTS"),
            &var(env, "REDIRECT_HOSTS"),
        )
        .map_err(|e| format!("the allowlist in the worker's settings is malformed: {e}"))?;
        Ok(Settings {
            allowlist,
            proxy_origins: var(env, "PROXY_ORIGINS")
                .split([',', ' '])
                .filter(|o| !o.is_empty())
                .map(str::to_owned)
                .collect(),
            upstream_timeout_seconds: number(env, "UPSTREAM_TIMEOUT_SECONDS", 20)?.clamp(1, 60),
            report_ttl_seconds: number(env, "REPORT_TTL_SECONDS", 600)?,
            tag_ttl_seconds: number(env, "TAG_TTL_SECONDS", 60)?,
            sigstore_trusted_root: Some(var(env, "SIGSTORE_TRUSTED_ROOT")).filter(|r| !r.trim().is_empty()),
            coalescer: env.durable_object(coalesce::BINDING).ok(),
        })
    }
}
