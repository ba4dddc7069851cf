//! Errors as `application/problem+json` (RFC 9457) with a stable `code` member.

use fathom_core::egress::Refusal;
use fathom_core::registry::session::{ErrorKind, Failure};
use fathom_core::registry::ConnectCause;
use serde::{Deserialize, Serialize};
use worker::{Headers, Response, Result};

/// A problem to answer with.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// `urn:fathom:problem:<code>`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short, fixed summary for the code.
    pub title: &'static str,
    /// The HTTP status.
    pub status: u16,
    /// What happened, specifically.
    pub detail: String,
    /// The stable, kebab-case code.
    pub code: &'static str,
    /// Why the registry could not be reached (`dns`, `refused`, `tls`, `reset`, `lost`,
    /// `unknown`), for `upstream-unreachable`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<ConnectCause>,
    /// Seconds to wait before trying again (rate limits).
    #[serde(rename = "retryAfter", skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// The Report, when the walk finished but found what makes it unfit for a 200.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<Box<serde_json::Value>>,
}

impl Problem {
    /// A problem with `status`, `code` and a specific `detail`.
    pub fn new(status: u16, code: &'static str, detail: impl Into<String>) -> Problem {
        Problem {
            kind: format!("urn:fathom:problem:{code}"),
            title: title(code),
            status,
            detail: detail.into(),
            code,
            cause: None,
            retry_after: None,
            report: None,
        }
    }

    /// The problem a failed walk means.
    pub fn from_failure(failure: &Failure) -> Problem {
        let mut cause = None;
        let (status, code) = match failure.kind {
            ErrorKind::NotFound => (404, "not-found"),
            ErrorKind::Unauthorized => (401, "upstream-unauthorized"),
            ErrorKind::Denied => (403, "upstream-denied"),
            ErrorKind::RateLimited => (429, "rate-limited"),
            ErrorKind::BadUpstream => (502, "bad-upstream"),
            ErrorKind::Timeout => (504, "upstream-timeout"),
            ErrorKind::TooLarge => (502, "upstream-too-large"),
            ErrorKind::Refused => (403, "egress-refused"),
            ErrorKind::Unreachable(why) => {
                cause = Some(why);
                (502, "upstream-unreachable")
            }
        };
        Problem {
            cause,
            retry_after: failure.retry_after,
            ..Problem::new(status, code, failure.message.clone())
        }
    }

    /// The problem an egress refusal means: 403 for where, 400 for what.
    pub fn from_refusal(refusal: &Refusal) -> Problem {
        let status = match refusal.code() {
            "host-not-allowed" | "forbidden-address" | "userinfo" | "redirect-refused" => 403,
            _ => 400,
        };
        Problem::new(status, refusal.code(), refusal.message().to_owned())
    }

    /// The response, with `headers` (CORS) added.
    pub fn respond(self, headers: &Headers) -> Result<Response> {
        let body = serde_json::to_vec(&self).map_err(|e| worker::Error::RustError(e.to_string()))?;
        let response = Response::from_bytes(body)?.with_status(self.status);
        let out = response.headers();
        out.set("Content-Type", "application/problem+json")?;
        out.set("Cache-Control", "no-store")?;
        if let Some(seconds) = self.retry_after {
            out.set("Retry-After", &seconds.to_string())?;
        }
        for (name, value) in headers.entries() {
            out.set(&name, &value)?;
        }
        Ok(response)
    }
}

/// Every code the worker answers with, and its fixed title.
const CODES: [(&str, &str); 29] = [
    ("bad-reference", "The image reference is malformed"),
    ("bad-platform", "The platform is malformed"),
    ("bad-parameter", "A query parameter is malformed"),
    ("missing-parameter", "A required query parameter is missing"),
    ("not-found", "The registry does not have it"),
    ("upstream-unauthorized", "The registry wants credentials"),
    ("upstream-denied", "The registry denied access"),
    ("rate-limited", "The registry's rate limit was reached"),
    ("bad-upstream", "The registry failed or answered something unusable"),
    ("upstream-timeout", "The registry did not answer in time"),
    ("upstream-unreachable", "The registry could not be reached"),
    (
        "upstream-too-large",
        "The registry's answer is larger than the edge accepts",
    ),
    ("digest-mismatch", "Bytes do not match the digest they claim"),
    ("failed-check", "The image fails a check (an error finding)"),
    ("egress-refused", "The edge does not reach that address"),
    ("host-not-allowed", "The host is not on this edge's allowlist"),
    ("forbidden-address", "The address is private, local or reserved"),
    ("userinfo", "User names and passwords in URLs are not allowed"),
    (
        "redirect-refused",
        "The registry redirected somewhere the edge does not go",
    ),
    ("bad-path", "The path is malformed"),
    ("not-registry-path", "Not a registry API path the proxy serves"),
    ("bad-query", "A query parameter is not allowed"),
    ("bad-scope", "Only pull scopes may be requested"),
    ("bad-url", "The URL is malformed"),
    ("method-not-allowed", "Only GET and HEAD are allowed"),
    ("body-not-allowed", "Requests to the edge carry no body"),
    ("origin-not-allowed", "This origin may not use the proxy"),
    ("unknown-route", "No such route"),
    ("misconfigured", "The worker's settings are malformed"),
];

/// The fixed title of each code.
fn title(code: &str) -> &'static str {
    CODES
        .iter()
        .find(|(known, _)| *known == code)
        .map_or("Error", |(_, title)| title)
}

/// A problem another request answered with (relayed as JSON by [`crate::coalesce`]): its code
/// must be one of [`CODES`], so that it is answered with exactly as the original was.
#[derive(Deserialize)]
struct Relayed {
    status: u16,
    detail: String,
    code: String,
    cause: Option<ConnectCause>,
    #[serde(rename = "retryAfter")]
    retry_after: Option<u64>,
    report: Option<Box<serde_json::Value>>,
}

impl Problem {
    /// The problem `json` (one [`Problem::respond`] wrote) describes, if its code is known.
    pub fn relayed(json: &[u8]) -> Option<Problem> {
        let relayed: Relayed = serde_json::from_slice(json).ok()?;
        let (code, _) = CODES.iter().find(|(known, _)| *known == relayed.code)?;
        Some(Problem {
            cause: relayed.cause,
            retry_after: relayed.retry_after,
            report: relayed.report,
            ..Problem::new(relayed.status, code, relayed.detail)
        })
    }
}

#[cfg(test)]
mod tests {
    use fathom_core::registry::session::{ErrorKind, Failure};
    use fathom_core::registry::ConnectCause;

    use super::*;

    fn failure(kind: ErrorKind) -> Failure {
        Failure {
            kind,
            message: "ghcr.io/o/a:1: what happened".into(),
            retry_after: Some(7),
        }
    }

    #[test]
    fn each_failure_has_its_status_code_and_title() {
        for (kind, status, code) in [
            (ErrorKind::NotFound, 404, "not-found"),
            (ErrorKind::Unauthorized, 401, "upstream-unauthorized"),
            (ErrorKind::Denied, 403, "upstream-denied"),
            (ErrorKind::RateLimited, 429, "rate-limited"),
            (ErrorKind::BadUpstream, 502, "bad-upstream"),
            (ErrorKind::Timeout, 504, "upstream-timeout"),
            (ErrorKind::TooLarge, 502, "upstream-too-large"),
            (ErrorKind::Refused, 403, "egress-refused"),
            (ErrorKind::Unreachable(ConnectCause::Dns), 502, "upstream-unreachable"),
        ] {
            let problem = Problem::from_failure(&failure(kind));
            assert_eq!((problem.status, problem.code), (status, code), "{kind:?}");
            assert_eq!(problem.kind, format!("urn:fathom:problem:{code}"));
            assert_ne!(problem.title, "Error", "{code} has a title of its own");
            assert_eq!(problem.detail, "ghcr.io/o/a:1: what happened");
            assert_eq!(problem.retry_after, Some(7));
        }
    }

    #[test]
    fn an_unreachable_registry_says_why_in_a_member_of_its_own() {
        let problem = Problem::from_failure(&failure(ErrorKind::Unreachable(ConnectCause::Lost)));
        let json = serde_json::to_value(&problem).unwrap();
        assert_eq!(json["cause"], "lost");
        let other = serde_json::to_value(Problem::from_failure(&failure(ErrorKind::NotFound))).unwrap();
        assert!(other.get("cause").is_none());
    }

    #[test]
    fn a_relayed_problem_is_the_original() {
        let mut original = Problem::from_failure(&failure(ErrorKind::RateLimited));
        original.report = Some(Box::new(serde_json::json!({"digest": "sha256:00"})));
        let relayed = Problem::relayed(&serde_json::to_vec(&original).unwrap()).unwrap();
        assert_eq!(
            serde_json::to_value(&relayed).unwrap(),
            serde_json::to_value(&original).unwrap()
        );
        let unknown = serde_json::to_vec(&Problem::new(500, "no-such-code", "x")).unwrap();
        assert!(
            Problem::relayed(&unknown).is_none(),
            "only codes the worker answers with"
        );
        assert!(Problem::relayed(b"{").is_none());
    }

    #[test]
    fn every_code_the_worker_answers_with_has_a_title() {
        for code in [
            "bad-reference",
            "bad-platform",
            "bad-parameter",
            "missing-parameter",
            "digest-mismatch",
            "failed-check",
            "host-not-allowed",
            "forbidden-address",
            "redirect-refused",
            "misconfigured",
            "unknown-route",
        ] {
            assert_ne!(title(code), "Error", "{code}");
        }
    }
}
