//! `WWW-Authenticate` challenges (RFC 7235), parsed as the distribution family of clients does:
//! several header lines, several challenges in one line, `token` or `"quoted \" strings"` values,
//! case-insensitive scheme and parameter names.

use std::collections::BTreeMap;

/// One authentication challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// The scheme, lowercased (`bearer`, `basic`).
    pub scheme: String,
    /// Parameters with lowercased names (`realm`, `service`, `scope`, `error`).
    pub params: BTreeMap<String, String>,
}

impl Challenge {
    /// A parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }
}

/// Every challenge in every given header value, in order.
pub fn parse_challenges<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<Challenge> {
    values.into_iter().flat_map(parse_header).collect()
}

/// RFC 7230 `tchar`.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn skip_space(&mut self) {
        while self.at < self.bytes.len() && matches!(self.bytes[self.at], b' ' | b'\t') {
            self.at += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn token(&mut self) -> Option<String> {
        let start = self.at;
        // token68 values (base64) may end in '='; those are read as tokens by `value`.
        while self.at < self.bytes.len() && (is_tchar(self.bytes[self.at]) || self.bytes[self.at] == b'/') {
            self.at += 1;
        }
        (self.at > start).then(|| String::from_utf8_lossy(&self.bytes[start..self.at]).into_owned())
    }

    fn quoted(&mut self) -> Option<String> {
        // Precondition: at the opening quote.
        self.at += 1;
        let mut out = Vec::new();
        while let Some(b) = self.peek() {
            self.at += 1;
            match b {
                b'"' => return Some(String::from_utf8_lossy(&out).into_owned()),
                b'\\' => {
                    let escaped = self.peek()?;
                    self.at += 1;
                    out.push(escaped);
                }
                _ => out.push(b),
            }
        }
        None // unterminated
    }

    fn value(&mut self) -> Option<String> {
        if self.peek() == Some(b'"') {
            self.quoted()
        } else {
            let mut token = self.token()?;
            while self.peek() == Some(b'=') {
                self.at += 1;
                token.push('=');
            }
            Some(token)
        }
    }
}

fn parse_header(header: &str) -> Vec<Challenge> {
    let mut c = Cursor {
        bytes: header.as_bytes(),
        at: 0,
    };
    let mut challenges = Vec::new();
    loop {
        c.skip_space();
        while c.peek() == Some(b',') {
            c.at += 1;
            c.skip_space();
        }
        let Some(scheme) = c.token() else { break };
        let mut params = BTreeMap::new();
        loop {
            c.skip_space();
            let save = c.at;
            let Some(name) = c.token() else { break };
            c.skip_space();
            if c.peek() != Some(b'=') {
                // A bare token: the next challenge's scheme.
                c.at = save;
                break;
            }
            c.at += 1;
            c.skip_space();
            let Some(value) = c.value() else {
                challenges.push(Challenge {
                    scheme: scheme.to_ascii_lowercase(),
                    params,
                });
                return challenges;
            };
            params.insert(name.to_ascii_lowercase(), value);
            c.skip_space();
            if c.peek() == Some(b',') {
                c.at += 1;
            }
        }
        challenges.push(Challenge {
            scheme: scheme.to_ascii_lowercase(),
            params,
        });
        if c.at >= c.bytes.len() {
            break;
        }
    }
    challenges
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_hub_bearer() {
        let h = r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull""#;
        let c = parse_challenges([h]);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].scheme, "bearer");
        assert_eq!(c[0].param("realm"), Some("https://auth.docker.io/token"));
        assert_eq!(c[0].param("service"), Some("registry.docker.io"));
        assert_eq!(c[0].param("scope"), Some("repository:library/busybox:pull"));
    }

    #[test]
    fn several_challenges_and_lines() {
        let c = parse_challenges([
            r#"Basic realm="Registry Realm", Bearer realm="https://x/token",service=x"#,
            "Basic realm=plain",
        ]);
        let schemes: Vec<&str> = c.iter().map(|c| c.scheme.as_str()).collect();
        assert_eq!(schemes, ["basic", "bearer", "basic"]);
        assert_eq!(c[0].param("realm"), Some("Registry Realm"));
        assert_eq!(c[1].param("service"), Some("x"));
        assert_eq!(c[2].param("realm"), Some("plain"));
    }

    #[test]
    fn escapes_case_and_spaces() {
        let c = parse_challenges([r#"BEARER  Realm = "a \"quoted\" \\ value" , Error="insufficient_scope""#]);
        assert_eq!(c[0].scheme, "bearer");
        assert_eq!(c[0].param("realm"), Some(r#"a "quoted" \ value"#));
        assert_eq!(c[0].param("error"), Some("insufficient_scope"));
    }

    #[test]
    fn scheme_without_params_and_garbage() {
        assert_eq!(parse_challenges(["Negotiate"])[0].scheme, "negotiate");
        assert!(parse_challenges([""]).is_empty());
        let unterminated = parse_challenges([r#"Bearer realm="https://x"#]);
        assert_eq!(unterminated[0].param("realm"), None);
    }
}
