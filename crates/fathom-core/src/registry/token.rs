//! Registry authentication: Basic credentials supplied by the driver, and Bearer tokens fetched
//! from the realm a challenge names, cached by registry and scope with an expiry computed from the
//! `now` the caller passes in (the core reads no clock).

use std::collections::BTreeMap;

use base64::Engine as _;

use super::challenge::Challenge;
use super::http::{HttpRequest, HttpResponse};

/// Largest token response accepted.
pub const MAX_TOKEN_BODY: u64 = 1 << 20;
/// Lifetime assumed when a token response has no `expires_in` (the distribution spec's default).
pub const DEFAULT_TOKEN_LIFETIME: u64 = 60;
/// Tokens are renewed this many seconds before they expire.
const EXPIRY_MARGIN: u64 = 5;

/// Credentials for one registry, as the driver found them (docker config, helper, flags).
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// User name.
    pub username: String,
    /// Password or personal access token.
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credentials({:?}, ***)", self.username)
    }
}

impl Credentials {
    /// The `Authorization: Basic …` value.
    pub fn basic_header(&self) -> String {
        let raw = format!("{}:{}", self.username, self.password);
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(raw))
    }
}

/// Why authentication could not proceed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// A Bearer challenge without `realm`.
    #[error("the registry asked for a Bearer token but named no realm to get it from")]
    MissingRealm,
    /// No challenge with a scheme Fathom supports.
    #[error("the registry asked for authentication Fathom does not support ({0})")]
    UnsupportedScheme(String),
    /// A Basic challenge and no credentials.
    #[error("the registry requires a user name and password (Basic authentication): log in to it first")]
    CredentialsRequired,
    /// The token endpoint refused.
    #[error("the token service {realm} refused: HTTP {status}{hint}")]
    TokenRefused {
        /// The realm.
        realm: String,
        /// Its status.
        status: u16,
        /// What that likely means.
        hint: &'static str,
    },
    /// Credentials would travel in clear text to a token realm on another footing than the registry.
    #[error("the token service {0} is plain HTTP; credentials are not sent there (use an https realm)")]
    InsecureRealm(String),
    /// The token endpoint answered something that is not a token.
    #[error("the token service {realm} sent no token: {reason}")]
    BadTokenResponse {
        /// The realm.
        realm: String,
        /// What was wrong.
        reason: String,
    },
}

/// What the next request needs, given the challenges a 401 carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthPlan {
    /// Send Basic credentials.
    Basic,
    /// Fetch a token from `realm` for `service` and `scope`.
    Bearer {
        /// Token endpoint.
        realm: String,
        /// `service` parameter.
        service: Option<String>,
        /// Scope to ask for.
        scope: String,
    },
}

/// Chooses how to answer `challenges` for an operation needing `scope`
/// (`repository:NAME:pull`). Bearer is preferred over Basic, as docker does.
pub fn plan(
    challenges: &[Challenge],
    scope: &str,
    credentials: Option<&Credentials>,
    plain_http_registry: bool,
) -> Result<AuthPlan, AuthError> {
    if let Some(bearer) = challenges.iter().find(|c| c.scheme == "bearer") {
        let realm = bearer
            .param("realm")
            .filter(|r| !r.is_empty())
            .ok_or(AuthError::MissingRealm)?;
        // Credentials go to an http:// realm only when the registry itself is plain HTTP
        // (a local registry); a TLS registry naming a clear-text realm is refused.
        if credentials.is_some() && !plain_http_registry && !realm.starts_with("https://") {
            return Err(AuthError::InsecureRealm(realm.to_owned()));
        }
        // Ours and the registry's own, when it names one (it may be broader than ours; ours may
        // name more repositories, as a push that mounts from another does).
        let mut scopes: Vec<&str> = scope.split(' ').filter(|s| !s.is_empty()).collect();
        for theirs in bearer.param("scope").unwrap_or_default().split(' ') {
            if !theirs.is_empty() && !scopes.contains(&theirs) {
                scopes.push(theirs);
            }
        }
        let scope = scopes.join(" ");
        return Ok(AuthPlan::Bearer {
            realm: realm.to_owned(),
            service: bearer.param("service").map(str::to_owned),
            scope,
        });
    }
    if challenges.iter().any(|c| c.scheme == "basic") {
        return match credentials {
            Some(_) => Ok(AuthPlan::Basic),
            None => Err(AuthError::CredentialsRequired),
        };
    }
    let schemes: Vec<&str> = challenges.iter().map(|c| c.scheme.as_str()).collect();
    Err(AuthError::UnsupportedScheme(if schemes.is_empty() {
        "no challenge".into()
    } else {
        schemes.join(", ")
    }))
}

/// The GET that asks `realm` for a token (anonymous when there are no credentials).
pub fn token_request(
    realm: &str,
    service: Option<&str>,
    scope: &str,
    credentials: Option<&Credentials>,
) -> HttpRequest {
    let mut query = form_urlencoded::Serializer::new(String::new());
    if let Some(service) = service {
        query.append_pair("service", service);
    }
    // Several scopes (a push: `repository:a:pull,push repository:b:pull`) go as one `scope`
    // parameter each, as docker sends them.
    for scope in scope.split(' ').filter(|s| !s.is_empty()) {
        query.append_pair("scope", scope);
    }
    let separator = if realm.contains('?') { '&' } else { '?' };
    let mut request = HttpRequest::get(format!("{realm}{separator}{}", query.finish()), MAX_TOKEN_BODY);
    if let Some(c) = credentials {
        request = request.with_header("Authorization", c.basic_header());
    }
    request
}

/// A Bearer token and when it stops being usable.
#[derive(Clone, PartialEq, Eq)]
pub struct Token {
    /// The token.
    pub value: String,
    /// Unix seconds after which it must be renewed.
    pub expires_at: u64,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Token(***, expires_at: {})", self.expires_at)
    }
}

#[derive(serde::Deserialize)]
struct TokenBody {
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
}

/// Reads a token response received at `now` (Unix seconds) to a request that carried
/// credentials or not (`with_credentials`): a refusal means a wrong password only when one was sent.
pub fn read_token(realm: &str, response: &HttpResponse, now: u64, with_credentials: bool) -> Result<Token, AuthError> {
    if !response.is_success() {
        let hint = match (response.status, with_credentials) {
            (401, true) => ": wrong user name or password",
            (403, true) => ": these credentials may not access this repository",
            // GHCR refuses an anonymous token for a private or missing package with 401 (and has
            // with 403): openai/tunnel-client#75, quay/quay#4235.
            (401 | 403, false) => {
                ": no anonymous access — the repository is private or does not exist; log in, or check its name"
            }
            (429, _) => ": rate limited",
            _ => "",
        };
        return Err(AuthError::TokenRefused {
            realm: realm.to_owned(),
            status: response.status,
            hint,
        });
    }
    let bad = |reason: String| AuthError::BadTokenResponse {
        realm: realm.to_owned(),
        reason,
    };
    let body: TokenBody = serde_json::from_slice(&response.body).map_err(|e| bad(format!("not JSON: {e}")))?;
    let value = body
        .token
        .filter(|t| !t.is_empty())
        .or(body.access_token.filter(|t| !t.is_empty()))
        .ok_or_else(|| bad("neither token nor access_token".into()))?;
    // A day at most: a registry cannot make a token outlive every check.
    let lifetime = body
        .expires_in
        .unwrap_or(DEFAULT_TOKEN_LIFETIME)
        .clamp(EXPIRY_MARGIN * 2, 86_400);
    Ok(Token {
        value,
        expires_at: now.saturating_add(lifetime) - EXPIRY_MARGIN,
    })
}

/// Tokens by registry and scope.
#[derive(Debug, Clone, Default)]
pub struct TokenCache {
    tokens: BTreeMap<(String, String), Token>,
}

impl TokenCache {
    /// A token for `registry` and `scope` still valid at `now`.
    pub fn get(&self, registry: &str, scope: &str, now: u64) -> Option<&Token> {
        self.tokens
            .get(&(registry.to_owned(), scope.to_owned()))
            .filter(|t| t.expires_at > now)
    }

    /// Stores a token.
    pub fn insert(&mut self, registry: &str, scope: &str, token: Token) {
        self.tokens.insert((registry.to_owned(), scope.to_owned()), token);
    }

    /// Forgets a token the registry no longer accepts.
    pub fn remove(&mut self, registry: &str, scope: &str) {
        self.tokens.remove(&(registry.to_owned(), scope.to_owned()));
    }
}

#[cfg(test)]
mod tests {
    use super::super::challenge::parse_challenges;
    use super::*;

    fn creds() -> Credentials {
        Credentials {
            username: "u".into(),
            password: "p:w".into(),
        }
    }

    #[test]
    fn bearer_plan_and_request() {
        let c = parse_challenges([r#"Bearer realm="https://auth.example/token",service="reg""#]);
        let plan = plan(&c, "repository:a/b:pull", None, false).unwrap();
        let AuthPlan::Bearer { realm, service, scope } = plan else {
            panic!("bearer")
        };
        let request = token_request(&realm, service.as_deref(), &scope, Some(&creds()));
        assert_eq!(
            request.url,
            "https://auth.example/token?service=reg&scope=repository%3Aa%2Fb%3Apull"
        );
        assert_eq!(request.header("authorization"), Some("Basic dTpwOnc="));
    }

    #[test]
    fn a_push_asks_one_token_for_every_scope_it_needs() {
        // The registry names the scope of the request it refused; a push also needs the others.
        let c = parse_challenges([
            r#"Bearer realm="https://auth.example/token",service="reg",scope="repository:team/app:pull""#,
        ]);
        let ours = "repository:team/app:pull,push repository:demo/app:pull";
        let AuthPlan::Bearer { realm, service, scope } = plan(&c, ours, None, false).unwrap() else {
            panic!("bearer")
        };
        assert_eq!(scope, format!("{ours} repository:team/app:pull"));
        let request = token_request(&realm, service.as_deref(), &scope, None);
        let scopes: Vec<&str> = request.url.split('&').filter(|p| p.starts_with("scope=")).collect();
        assert_eq!(
            scopes,
            [
                "scope=repository%3Ateam%2Fapp%3Apull%2Cpush",
                "scope=repository%3Ademo%2Fapp%3Apull",
                "scope=repository%3Ateam%2Fapp%3Apull"
            ]
        );
    }

    #[test]
    fn challenge_without_realm_is_a_clear_error() {
        let c = parse_challenges([r#"Bearer service="reg""#]);
        assert_eq!(plan(&c, "s", None, false), Err(AuthError::MissingRealm));
        assert!(AuthError::MissingRealm.to_string().contains("no realm"));
        assert_eq!(
            plan(&parse_challenges(["Basic realm=x"]), "s", None, false),
            Err(AuthError::CredentialsRequired)
        );
        assert_eq!(
            plan(&parse_challenges(["Basic realm=x"]), "s", Some(&creds()), false),
            Ok(AuthPlan::Basic)
        );
        assert!(matches!(
            plan(&parse_challenges(["Negotiate"]), "s", None, false),
            Err(AuthError::UnsupportedScheme(_))
        ));
        let clear = parse_challenges([r#"Bearer realm="http://auth.example/token""#]);
        assert!(matches!(
            plan(&clear, "s", Some(&creds()), false),
            Err(AuthError::InsecureRealm(_))
        ));
        assert!(
            plan(&clear, "s", Some(&creds()), true).is_ok(),
            "a plain-HTTP registry may use a plain-HTTP realm"
        );
        assert!(
            plan(&clear, "s", None, false).is_ok(),
            "anonymous tokens carry no credentials"
        );
    }

    #[test]
    fn token_fields_and_expiry() {
        let ok = HttpResponse::new(200, r#"{"access_token":"abc","expires_in":300}"#);
        let t = read_token("r", &ok, 1000, false).unwrap();
        assert_eq!(t.value, "abc");
        assert_eq!(t.expires_at, 1295);
        let huge = HttpResponse::new(200, r#"{"token":"t","expires_in":18446744073709551615}"#);
        assert_eq!(
            read_token("r", &huge, u64::MAX - 10, false).unwrap().expires_at,
            u64::MAX - 5
        );
        let default = read_token("r", &HttpResponse::new(200, r#"{"token":"t"}"#), 0, false).unwrap();
        assert_eq!(default.expires_at, DEFAULT_TOKEN_LIFETIME - 5);
        let mut cache = TokenCache::default();
        cache.insert("reg", "scope", t);
        assert!(cache.get("reg", "scope", 1200).is_some());
        assert!(cache.get("reg", "scope", 1295).is_none(), "expired");
        assert!(cache.get("reg", "other", 1200).is_none());
        let refused = read_token("r", &HttpResponse::new(401, ""), 0, true).unwrap_err();
        assert!(refused.to_string().contains("wrong user name or password"));
        let anonymous = read_token("r", &HttpResponse::new(401, ""), 0, false).unwrap_err();
        assert!(
            anonymous.to_string().contains("private or does not exist"),
            "{anonymous}"
        );
        assert!(
            !anonymous.to_string().contains("password"),
            "no password was sent: {anonymous}"
        );
        assert!(matches!(
            read_token("r", &HttpResponse::new(200, "{}"), 0, false),
            Err(AuthError::BadTokenResponse { .. })
        ));
        assert!(!format!("{:?}", creds()).contains("p:w"), "Debug hides the password");
    }
}
