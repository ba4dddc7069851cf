//! The URLs of the app's views: the URL is the state, so links, reloads and the back button
//! reopen the same view.

use crate::browser;

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
