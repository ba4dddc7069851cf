//! The URLs of the app's views: the URL is the state, so links, reloads and the back button
//! reopen the same view.

use crate::browser;
use leptos_router::params::ParamsMap;

/// `/?ref=…&platform=…[&digest=…]`.
pub(crate) fn state_url(reference: &str, platform: &str, digest: Option<&str>) -> String {
    let mut query = vec![format!("ref={}", browser::encode(reference.trim()))];
    if !platform.is_empty() {
        query.push(format!("platform={}", browser::encode(platform)));
    }
    if let Some(digest) = digest {
        query.push(format!("digest={}", browser::encode(digest)));
    }
    format!("/?{}", query.join("&"))
}

/// The view's URL for references `a` and `b`.
pub(crate) fn compare_url(a: &str, b: &str) -> String {
    format!("/compare?a={}&b={}", browser::encode(a), browser::encode(b))
}

/// The URL of the view in the window with some of its query's keys changed: each `(key,
/// Some(value))` set, each `(key, None)` removed — the rest of the view's state kept.
pub(crate) fn here_with(query: &ParamsMap, changes: &[(&str, Option<String>)]) -> String {
    let page = web_sys::window()
        .and_then(|w| w.location().pathname().ok())
        .unwrap_or_else(|| "/".to_owned());
    let mut query = query.clone();
    for (key, value) in changes {
        query.remove(key);
        if let Some(value) = value {
            query.replace(key.to_string(), value.clone());
        }
    }
    format!("{page}{}", query.to_query_string())
}
