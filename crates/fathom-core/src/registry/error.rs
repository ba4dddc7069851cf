//! Registry errors as data: the OCI error body (`{"errors":[{code, message, detail}]}`) with the
//! HTTP status, turned into one specific message that names the reference.

use super::http::HttpResponse;

/// The OCI distribution-spec error codes, plus Docker Hub's `TOOMANYREQUESTS`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// Blob unknown to registry.
    BlobUnknown,
    /// Blob upload invalid.
    BlobUploadInvalid,
    /// Blob upload unknown to registry.
    BlobUploadUnknown,
    /// Provided digest did not match uploaded content.
    DigestInvalid,
    /// Blob unknown to registry (during manifest verification).
    ManifestBlobUnknown,
    /// Manifest invalid.
    ManifestInvalid,
    /// Manifest unknown.
    ManifestUnknown,
    /// Invalid repository name.
    NameInvalid,
    /// Repository name not known to registry.
    NameUnknown,
    /// Provided length did not match content length.
    SizeInvalid,
    /// Authentication required.
    Unauthorized,
    /// Requested access to the resource is denied.
    Denied,
    /// The operation is unsupported.
    Unsupported,
    /// Too many requests.
    Toomanyrequests,
    /// A code this client does not know.
    #[serde(untagged)]
    Other(String),
}

impl ErrorCode {
    /// The code as the registry wrote it (upper case, `_`-separated).
    pub fn as_str(&self) -> &str {
        match self {
            ErrorCode::BlobUnknown => "BLOB_UNKNOWN",
            ErrorCode::BlobUploadInvalid => "BLOB_UPLOAD_INVALID",
            ErrorCode::BlobUploadUnknown => "BLOB_UPLOAD_UNKNOWN",
            ErrorCode::DigestInvalid => "DIGEST_INVALID",
            ErrorCode::ManifestBlobUnknown => "MANIFEST_BLOB_UNKNOWN",
            ErrorCode::ManifestInvalid => "MANIFEST_INVALID",
            ErrorCode::ManifestUnknown => "MANIFEST_UNKNOWN",
            ErrorCode::NameInvalid => "NAME_INVALID",
            ErrorCode::NameUnknown => "NAME_UNKNOWN",
            ErrorCode::SizeInvalid => "SIZE_INVALID",
            ErrorCode::Unauthorized => "UNAUTHORIZED",
            ErrorCode::Denied => "DENIED",
            ErrorCode::Unsupported => "UNSUPPORTED",
            ErrorCode::Toomanyrequests => "TOOMANYREQUESTS",
            ErrorCode::Other(code) => code,
        }
    }

    fn parse(code: &str) -> ErrorCode {
        match code.to_ascii_uppercase().as_str() {
            "BLOB_UNKNOWN" => ErrorCode::BlobUnknown,
            "BLOB_UPLOAD_INVALID" => ErrorCode::BlobUploadInvalid,
            "BLOB_UPLOAD_UNKNOWN" => ErrorCode::BlobUploadUnknown,
            "DIGEST_INVALID" => ErrorCode::DigestInvalid,
            "MANIFEST_BLOB_UNKNOWN" => ErrorCode::ManifestBlobUnknown,
            "MANIFEST_INVALID" => ErrorCode::ManifestInvalid,
            "MANIFEST_UNKNOWN" => ErrorCode::ManifestUnknown,
            "NAME_INVALID" => ErrorCode::NameInvalid,
            "NAME_UNKNOWN" => ErrorCode::NameUnknown,
            "SIZE_INVALID" => ErrorCode::SizeInvalid,
            "UNAUTHORIZED" => ErrorCode::Unauthorized,
            "DENIED" => ErrorCode::Denied,
            "UNSUPPORTED" => ErrorCode::Unsupported,
            "TOOMANYREQUESTS" => ErrorCode::Toomanyrequests,
            _ => ErrorCode::Other(code.to_owned()),
        }
    }
}

/// One entry of an OCI error body.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    /// The code.
    pub code: ErrorCode,
    /// The registry's message.
    pub message: String,
    /// The registry's detail, as JSON text, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// A non-success response from a registry, with what it said.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RegistryError {
    /// The HTTP status.
    pub status: u16,
    /// The parsed error body (empty when the body was not an OCI error).
    pub errors: Vec<Diagnostic>,
    /// `Retry-After` in seconds, when sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

#[derive(serde::Deserialize)]
struct Body {
    #[serde(default)]
    errors: Vec<WireDiagnostic>,
}

#[derive(serde::Deserialize)]
struct WireDiagnostic {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    detail: Option<serde_json::Value>,
}

impl RegistryError {
    /// Reads the status, the OCI error body (if any) and `Retry-After` of a failed response.
    pub fn from_response(response: &HttpResponse) -> RegistryError {
        let errors = serde_json::from_slice::<Body>(&response.body)
            .map(|b| {
                b.errors
                    .into_iter()
                    .map(|d| Diagnostic {
                        code: ErrorCode::parse(&d.code),
                        message: d.message,
                        detail: d.detail.filter(|v| !v.is_null()).map(|v| v.to_string()),
                    })
                    .collect()
            })
            .unwrap_or_default();
        RegistryError {
            status: response.status,
            errors,
            retry_after: response.header("retry-after").and_then(parse_retry_after),
        }
    }

    /// Whether the registry sent this code.
    pub fn has_code(&self, code: &ErrorCode) -> bool {
        self.errors.iter().any(|d| &d.code == code)
    }

    /// Whether trying again later may help (429, 5xx).
    pub fn is_retryable(&self) -> bool {
        self.status == 429 || self.status >= 500 || self.has_code(&ErrorCode::Toomanyrequests)
    }

    /// A specific message for a person, naming `what` (the reference or object asked for).
    pub fn describe(&self, what: &str) -> String {
        // A server error names the registry's own code too (it is what its status pages and
        // support ask for); otherwise its message says enough.
        let with_code = self.status >= 500;
        let said = self
            .errors
            .iter()
            .map(|d| match (d.message.is_empty(), with_code) {
                (true, _) => d.code.as_str().to_owned(),
                (false, true) if !d.code.as_str().is_empty() => format!("{} {}", d.code.as_str(), d.message),
                (false, _) => d.message.clone(),
            })
            .collect::<Vec<_>>()
            .join("; ");
        let said = if said.is_empty() {
            String::new()
        } else {
            format!(" (registry said: {said})")
        };
        let base = match self.status {
            // Docker Hub, GHCR and Quay answer a missing repository as they answer a private one
            // (containers/image docker/errors_test.go; quay/quay endpoints/v2/__init__.py).
            401 => format!(
                "{what}: authentication required — the repository is private or does not exist: log in, or check its name and the credentials"
            ),
            403 => format!("{what}: access denied — the credentials do not allow this"),
            404 if self.has_code(&ErrorCode::NameUnknown) => format!("{what}: repository not found"),
            404 => format!("{what}: not found"),
            429 => match self.retry_after {
                Some(s) => format!("{what}: rate limited by the registry; retry after {s} s"),
                None => format!("{what}: rate limited by the registry"),
            },
            s if s >= 500 => format!(
                "{what}: the registry failed with HTTP {s} — an error on the registry's side (or a proxy in front of it); try again later"
            ),
            s => format!("{what}: unexpected HTTP {s}"),
        };
        base + &said
    }
}

/// `Retry-After` as delta-seconds. (An HTTP date needs a clock, which the core does not read;
/// such a value is treated as absent.)
pub fn parse_retry_after(value: &str) -> Option<u64> {
    value.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_oci_error_bodies() {
        let body = br#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"nope"}}]}"#;
        let e = RegistryError::from_response(&HttpResponse::new(404, body.to_vec()));
        assert_eq!(e.errors[0].code, ErrorCode::ManifestUnknown);
        assert_eq!(e.errors[0].detail.as_deref(), Some(r#"{"Tag":"nope"}"#));
        assert!(!e.is_retryable());
        assert_eq!(
            e.describe("docker.io/library/busybox:nope"),
            "docker.io/library/busybox:nope: not found (registry said: manifest unknown)"
        );
    }

    #[test]
    fn status_specific_messages() {
        let e = |status| RegistryError::from_response(&HttpResponse::new(status, "oops"));
        assert!(e(401).describe("r").contains("authentication required"));
        assert!(e(403).describe("r").contains("access denied"));
        assert!(e(503).is_retryable());
        let unavailable = RegistryError::from_response(&HttpResponse::new(
            503,
            r#"{"errors":[{"code":"UNAVAILABLE","message":"service unavailable"}]}"#,
        ));
        assert_eq!(
            unavailable.describe("r"),
            "r: the registry failed with HTTP 503 — an error on the registry's side (or a proxy in front of it); try again later (registry said: UNAVAILABLE service unavailable)"
        );
        let limited = RegistryError::from_response(&HttpResponse::new(429, "").with_header("Retry-After", "17"));
        assert_eq!(limited.retry_after, Some(17));
        assert!(limited.describe("r").contains("retry after 17 s"));
        let unknown = RegistryError::from_response(&HttpResponse::new(
            404,
            r#"{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}"#,
        ));
        assert!(unknown.describe("r").starts_with("r: repository not found"));
        assert_eq!(ErrorCode::parse("weird"), ErrorCode::Other("weird".into()));
    }
}
