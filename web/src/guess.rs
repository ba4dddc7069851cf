//! "Your platform": a labelled guess from the browser. User-Agent Client Hints
//! (`architecture`, `bitness`) where the browser has them, otherwise the user agent string.
//! Containers run Linux images on macOS and Windows desktops (in a VM), so those map to
//! `linux/<arch>` with a note.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// A guessed platform and how it was guessed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guess {
    /// `os/arch[/variant]`, as `--platform` takes it.
    pub platform: String,
    /// Where the guess came from, for the label.
    pub note: String,
}

/// The guess from what the user agent string says (`platform` is `navigator.platform`).
pub fn from_user_agent(user_agent: &str, platform: &str) -> Guess {
    let ua = user_agent.to_ascii_lowercase();
    let arm = ua.contains("aarch64") || ua.contains("arm64") || platform.to_ascii_lowercase().contains("arm");
    let arch = if arm { "arm64" } else { "amd64" };
    let desktop = if ua.contains("mac os") || ua.contains("macintosh") {
        Some("macOS")
    } else if ua.contains("windows") {
        Some("Windows")
    } else {
        None
    };
    // Every Mac that reports itself as Intel in the user agent may well be Apple silicon.
    let note = match desktop {
        Some(os) => format!("guessed from the user agent: {os} runs Linux containers in a VM of its own architecture"),
        None => "guessed from the user agent".to_owned(),
    };
    Guess {
        platform: format!("linux/{arch}"),
        note,
    }
}

/// The guess from Client Hints' `architecture` (`arm`, `x86`) and `bitness` (`64`, `32`).
pub fn from_client_hints(architecture: &str, bitness: &str, os: &str) -> Guess {
    let arch = match (architecture, bitness) {
        ("arm", "32") => "arm/v7",
        ("arm", _) => "arm64",
        ("x86", "32") => "386",
        _ => "amd64",
    };
    let note = match os {
        "macOS" | "Windows" => {
            format!("from the browser's client hints: {os} runs Linux containers in a VM of its own architecture")
        }
        _ => "from the browser's client hints".to_owned(),
    };
    Guess {
        platform: format!("linux/{arch}"),
        note,
    }
}

fn get(object: &JsValue, key: &str) -> Option<String> {
    Reflect::get(object, &JsValue::from_str(key)).ok()?.as_string()
}

/// The best guess this browser allows.
pub async fn guess() -> Guess {
    let Some(window) = web_sys::window() else {
        return from_user_agent("", "");
    };
    let navigator = window.navigator();
    let fallback = from_user_agent(
        &navigator.user_agent().unwrap_or_default(),
        &navigator.platform().unwrap_or_default(),
    );
    let Ok(data) = Reflect::get(&navigator, &JsValue::from_str("userAgentData")) else {
        return fallback;
    };
    let Ok(method) = Reflect::get(&data, &JsValue::from_str("getHighEntropyValues")) else {
        return fallback;
    };
    let Some(method) = method.dyn_ref::<js_sys::Function>() else {
        return fallback;
    };
    let hints = Array::of2(&JsValue::from_str("architecture"), &JsValue::from_str("bitness"));
    let Ok(promise) = method.call1(&data, &hints) else {
        return fallback;
    };
    let Ok(values) = JsFuture::from(js_sys::Promise::from(promise)).await else {
        return fallback;
    };
    let values: Object = values.into();
    match (get(&values, "architecture"), get(&values, "bitness")) {
        (Some(arch), bitness) if !arch.is_empty() => from_client_hints(
            &arch,
            &bitness.unwrap_or_default(),
            &get(&values, "platform").unwrap_or_default(),
        ),
        _ => fallback,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guesses() {
        assert_eq!(from_client_hints("arm", "64", "macOS").platform, "linux/arm64");
        assert!(from_client_hints("arm", "64", "macOS").note.contains("macOS"));
        assert_eq!(from_client_hints("x86", "64", "Linux").platform, "linux/amd64");
        assert_eq!(from_client_hints("x86", "32", "Windows").platform, "linux/386");
        assert_eq!(from_client_hints("arm", "32", "Android").platform, "linux/arm/v7");
        let linux = "Mozilla/5.0 (X11; Linux aarch64) AppleWebKit/537.36 Chrome/156 Safari/537.36";
        assert_eq!(from_user_agent(linux, "Linux aarch64").platform, "linux/arm64");
        let windows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36";
        assert_eq!(from_user_agent(windows, "Win32").platform, "linux/amd64");
    }
}
