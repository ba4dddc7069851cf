//! The few browser APIs the page uses, each wrapped once: performance marks, the clipboard,
//! downloads, URL encoding, and where the page is served from.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

/// `performance.mark(name)` — the speed script measures submit → table with these.
pub fn mark(name: &str) {
    if let Some(performance) = window().and_then(|w| w.performance()) {
        let _ = performance.mark(name);
    }
}

/// Runs `f` in the next animation frame: the DOM is built and the frame is about to be painted.
pub fn before_paint(f: impl FnOnce() + 'static) {
    if let Some(w) = window() {
        let _ = w.request_animation_frame(Closure::once_into_js(f).unchecked_ref());
    }
}

/// A small persistent memo (`localStorage`), read and written as text; silently absent when the
/// browser keeps no storage.
pub fn remembered(key: &str) -> Option<String> {
    window()?.local_storage().ok()??.get_item(key).ok()?
}

/// Stores `value` under `key` in `localStorage`.
pub fn remember(key: &str, value: &str) {
    if let Some(storage) = window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.set_item(key, value);
    }
}

/// A value kept for this tab (`sessionStorage`): survives reloads, gone with the tab.
pub fn session_get(key: &str) -> Option<String> {
    window()?.session_storage().ok()??.get_item(key).ok()?
}

/// Stores `value` under `key` in `sessionStorage` (dropped silently when the quota is full).
pub fn session_set(key: &str, value: &str) {
    if let Some(storage) = window().and_then(|w| w.session_storage().ok().flatten()) {
        let _ = storage.set_item(key, value);
    }
}

/// `encodeURIComponent`.
pub fn encode(text: &str) -> String {
    String::from(js_sys::encode_uri_component(text))
}

/// Whether the page is served from this machine (then the demo registry's examples are shown).
pub fn is_local() -> bool {
    let host = window().and_then(|w| w.location().hostname().ok()).unwrap_or_default();
    host == "127.0.0.1" || host == "localhost" || host == "[::1]"
}

/// `path` as an absolute URL on this page's origin.
pub fn absolute(path: &str) -> String {
    let origin = window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
    format!("{origin}{path}")
}

/// Copies `text` to the clipboard.
pub fn copy(text: &str) {
    if let Some(w) = window() {
        let _ = w.navigator().clipboard().write_text(text);
    }
}

/// Offers `text` as a file download named `name`.
pub fn download(name: &str, text: &str) {
    let Some(document) = window().and_then(|w| w.document()) else {
        return;
    };
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/json");
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    if let Ok(link) = document.create_element("a") {
        let _ = link.set_attribute("href", &url);
        let _ = link.set_attribute("download", name);
        if let Some(link) = link.dyn_ref::<web_sys::HtmlElement>() {
            link.click();
        }
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}
