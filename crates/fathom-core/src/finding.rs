//! Lint findings: what a check noticed, how much it matters, and where (a JSON pointer).

use std::borrow::Cow;
use std::fmt;

/// How much a finding matters. An `Error` makes the CLI exit non-zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Wrong or unsafe: bytes that do not match their digest, invalid structure.
    Error,
    /// Legal but likely to break a client, or deprecated.
    Warning,
    /// Worth knowing, nothing to fix.
    Info,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        })
    }
}

/// One thing a check noticed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Finding {
    /// How much it matters.
    pub severity: Severity,
    /// Stable kebab-case code (`digest-mismatch`, `duplicate-platform`, …).
    pub code: Cow<'static, str>,
    /// What was expected and what came, for a person.
    pub message: String,
    /// JSON pointer into the document (`/manifests/2/platform`), empty for the whole document.
    pub path: String,
}

impl Finding {
    /// An error finding.
    pub fn error(code: &'static str, path: impl Into<String>, message: impl Into<String>) -> Finding {
        Finding::new(Severity::Error, code, path, message)
    }

    /// A warning finding.
    pub fn warning(code: &'static str, path: impl Into<String>, message: impl Into<String>) -> Finding {
        Finding::new(Severity::Warning, code, path, message)
    }

    /// An informational finding.
    pub fn info(code: &'static str, path: impl Into<String>, message: impl Into<String>) -> Finding {
        Finding::new(Severity::Info, code, path, message)
    }

    fn new(severity: Severity, code: &'static str, path: impl Into<String>, message: impl Into<String>) -> Finding {
        Finding {
            severity,
            code: Cow::Borrowed(code),
            message: message.into(),
            path: path.into(),
        }
    }

    /// The same finding located under `prefix` (a JSON pointer of the enclosing document).
    pub fn under(mut self, prefix: &str) -> Finding {
        self.path = format!("{prefix}{}", self.path);
        self
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() { "/" } else { &self.path };
        write!(f, "{} {} at {}: {}", self.severity, self.code, path, self.message)
    }
}

/// Whether any finding is an error.
pub fn has_error(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}

/// Escapes one JSON-pointer reference token (RFC 6901: `~` → `~0`, `/` → `~1`).
pub fn pointer_token(key: &str) -> Cow<'_, str> {
    if key.contains(['~', '/']) {
        Cow::Owned(key.replace('~', "~0").replace('/', "~1"))
    } else {
        Cow::Borrowed(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointer_tokens_are_escaped() {
        assert_eq!(pointer_token("a/b~c"), "a~1b~0c");
        assert_eq!(pointer_token("plain"), "plain");
    }

    #[test]
    fn display_and_error_detection() {
        let f = Finding::error("digest-mismatch", "/manifests/0", "bad").under("/x");
        assert_eq!(f.to_string(), "error digest-mismatch at /x/manifests/0: bad");
        assert!(has_error(&[Finding::info("a", "", ""), f]));
        assert!(!has_error(&[Finding::warning("a", "", "")]));
    }
}
