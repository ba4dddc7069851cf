//! The browser's driver for the core's walks: each request goes to the registry directly when the
//! registry sends CORS headers, and through the worker's `/proxy/<host>/…` when it does not (the
//! first failed direct request marks that registry endpoint for the proxy). The bytes that come
//! back are what the core hashes — in this page.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use fathom_core::registry::{
    request, BodyReader, ConnectCause, HttpRequest, HttpResponse, Method, RateLimit, TransportError,
};
use fathom_core::Digest;
use js_sys::{Array, Promise, Uint8Array};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, RequestInit, Response};

use crate::browser;

/// The header the worker's proxy relays a registry's `WWW-Authenticate` under.
const PROXY_CHALLENGE: &str = "x-registry-www-authenticate";

thread_local! {
    /// Every successful body this page received, by the sha256 of its bytes (for the raw views).
    static RECEIVED: RefCell<BTreeMap<String, Vec<u8>>> = const { RefCell::new(BTreeMap::new()) };
}

/// The bytes received whose sha256 is `digest`, if this page received them.
pub fn received(digest: &str) -> Option<Vec<u8>> {
    RECEIVED.with(|r| r.borrow().get(digest).cloned())
}

thread_local! {
    /// The quota headers of the last response that carried any (shown with a rate-limit error).
    static QUOTA: RefCell<Option<RateLimit>> = const { RefCell::new(None) };
}

/// The registry's quota as its last response that named one said.
pub fn last_quota() -> Option<RateLimit> {
    QUOTA.with(|q| q.borrow().clone())
}

thread_local! {
    /// By-digest URLs this page has read and verified, with the sha256 of their bytes and their
    /// content type: a later GET of the same URL is answered from [`RECEIVED`] without a round
    /// trip (content addressed by a digest never changes; keyed by URL so that content seen in one
    /// repository is never taken as present in another).
    static SERVED: RefCell<BTreeMap<String, Option<String>>> = const { RefCell::new(BTreeMap::new()) };
}

/// `sessionStorage` keeps by-digest JSON up to this size across reloads of the tab (registries
/// rarely mark manifests cacheable, so the browser's HTTP cache does not).
const SESSION_LIMIT: usize = 64 << 10;
/// The `sessionStorage` key prefix of kept content (followed by its URL).
const SESSION_PREFIX: &str = "fathom.content ";

/// Keeps verified by-digest content for this tab: `<content type>\n<body>` (JSON bodies only).
fn keep_for_tab(url: &str, content_type: Option<&str>, body: &[u8]) {
    if body.len() <= SESSION_LIMIT {
        if let Ok(text) = std::str::from_utf8(body) {
            let value = format!("{}\n{text}", content_type.unwrap_or_default());
            browser::session_set(&format!("{SESSION_PREFIX}{url}"), &value);
        }
    }
}

/// Content this tab kept for `url`, when its bytes still hash to the digest the URL names.
fn kept_for_tab(url: &str, digest: &Digest) -> Option<(Option<String>, Vec<u8>)> {
    let value = browser::session_get(&format!("{SESSION_PREFIX}{url}"))?;
    let (content_type, body) = value.split_once('\n')?;
    if Digest::sha256(body.as_bytes()) != *digest {
        return None;
    }
    let content_type = Some(content_type.to_owned()).filter(|c| !c.is_empty());
    Some((content_type, body.as_bytes().to_vec()))
}

fn keep(method: Method, url: String, response: &HttpResponse) {
    if let Some(quota) = request::rate_limit(response) {
        QUOTA.with(|q| *q.borrow_mut() = Some(quota));
    }
    if response.is_success() && !response.body.is_empty() {
        let digest = Digest::sha256(&response.body);
        if method == Method::Get && request::content_digest(&url).as_ref() == Some(&digest) {
            let content_type = response.header("content-type").map(str::to_owned);
            keep_for_tab(&url, content_type.as_deref(), &response.body);
            SERVED.with(|s| s.borrow_mut().insert(url, content_type));
        }
        RECEIVED.with(|r| r.borrow_mut().insert(digest.to_string(), response.body.clone()));
    }
}

/// The response to a GET of a by-digest URL this page (or this tab, before a reload) already read
/// and verified.
fn from_memory(request: &HttpRequest) -> Option<HttpResponse> {
    if request.method != Method::Get {
        return None;
    }
    let digest = request::content_digest(&request.url)?;
    let served = SERVED.with(|s| s.borrow().get(&request.url).cloned());
    let (content_type, body) = match served.and_then(|c| Some((c, received(digest.as_str())?))) {
        Some(found) => found,
        None => {
            let (content_type, body) = kept_for_tab(&request.url, &digest)?;
            RECEIVED.with(|r| r.borrow_mut().insert(digest.to_string(), body.clone()));
            SERVED.with(|s| s.borrow_mut().insert(request.url.clone(), content_type.clone()));
            (content_type, body)
        }
    };
    let mut response = HttpResponse::new(200, body).with_header("Docker-Content-Digest", digest.as_str());
    if let Some(content_type) = content_type {
        response = response.with_header("Content-Type", content_type);
    }
    Some(response)
}

/// Where the set of proxied registry endpoints is remembered between visits.
const PROXIED_KEY: &str = "fathom.proxied-endpoints";

thread_local! {
    /// Registry endpoints (`host:port/kind`, see [`endpoint`]) this page reaches through the
    /// proxy, remembered across visits so that an endpoint without CORS headers costs one failed
    /// direct request, once.
    static PROXIED: RefCell<BTreeSet<String>> = RefCell::new(
        browser::remembered(PROXIED_KEY)
            .map(|list| list.split(' ').filter(|h| !h.is_empty()).map(str::to_owned).collect())
            .unwrap_or_default(),
    );
}

/// The registry endpoints this page reaches through the proxy (for the file worker, which has no
/// `localStorage` of its own).
pub fn proxied_endpoints() -> Vec<String> {
    PROXIED.with(|p| p.borrow().iter().cloned().collect())
}

/// Reaches `endpoints` through the proxy from now on (what the page learned, in the worker).
pub fn assume_proxied(endpoints: impl IntoIterator<Item = String>) {
    PROXIED.with(|p| p.borrow_mut().extend(endpoints));
}

fn mark_proxied(endpoint: String) {
    PROXIED.with(|p| {
        let mut set = p.borrow_mut();
        if set.insert(endpoint) {
            browser::remember(PROXIED_KEY, &set.iter().cloned().collect::<Vec<_>>().join(" "));
        }
    });
}

/// `scheme://host[:port]/path?query` → (`host[:port]`, `/path?query`).
fn split(url: &str) -> Option<(&str, &str)> {
    let rest = url.split_once("://")?.1;
    let at = rest.find('/').unwrap_or(rest.len());
    Some((&rest[..at], &rest[at..]))
}

/// The registry endpoint a URL belongs to, as `host[:port]/kind` where kind is the API segment
/// before the last (`manifests`, `blobs`, `tags`, `referrers`) or the path's first segment
/// (`token`): registries that send CORS headers often send none on some routes (distribution
/// answers an unknown route such as `referrers` with a bare 404), so the proxy is remembered
/// per endpoint, not per registry.
fn endpoint(url: &str) -> Option<String> {
    let (authority, path) = split(url)?;
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let kind = match segments.as_slice() {
        ["v2", .., kind, _] if segments.len() >= 4 => kind,
        [first, ..] => first,
        [] => "",
    };
    Some(format!("{authority}/{kind}"))
}

/// The worker's proxy URL for an absolute registry URL.
pub fn proxied(url: &str) -> Option<String> {
    let (authority, path) = split(url)?;
    Some(format!("/proxy/{authority}{path}"))
}

// `fetch` and `setTimeout` of whatever global this runs in: the page's window, or the file
// worker's scope (web-sys binds them per global type; these bindings serve both).
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(request: &Request) -> Promise;
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &js_sys::Function, ms: i32) -> JsValue;
}

async fn sleep(ms: u64) {
    let promise = Promise::new(&mut |resolve, _| {
        set_timeout(&resolve, ms as i32);
    });
    let _ = JsFuture::from(promise).await;
}

/// Sends one request the core planned (or answers it from the page's memory of content it
/// already verified; the core hashes those bytes again like any others).
pub async fn send(request: HttpRequest) -> Result<HttpResponse, TransportError> {
    if let Some(response) = from_memory(&request) {
        return Ok(response);
    }
    let (method, url) = (request.method, request.url.clone());
    let (raw, mut response) = route(&request).await?;
    if let Some(raw) = raw {
        if method != Method::Head {
            response.body = whole_body(&raw, &request, &response.headers).await?;
        }
    }
    keep(method, url, &response);
    Ok(response)
}

/// Sends `request` (a blob's `GET`) and hands its body to `chunk` piece by piece as it arrives,
/// never whole: layers are as large as they come. A response that is not a success comes back
/// with its (small) body instead, for the core to read.
pub async fn stream(request: HttpRequest, chunk: &mut dyn FnMut(&[u8])) -> Result<HttpResponse, TransportError> {
    let (raw, mut response) = route(&request).await?;
    let Some(raw) = raw else { return Ok(response) };
    if !response.is_success() {
        let small = HttpRequest {
            max_body: 1 << 20,
            ..request
        };
        response.body = whole_body(&raw, &small, &response.headers).await?;
        return Ok(response);
    }
    let Some(body) = raw.body() else { return Ok(response) };
    let reader: web_sys::ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    loop {
        let read = JsFuture::from(reader.read()).await.map_err(connect)?;
        if js_sys::Reflect::get(&read, &"done".into())
            .map_err(connect)?
            .is_truthy()
        {
            return Ok(response);
        }
        let value: Uint8Array = js_sys::Reflect::get(&read, &"value".into())
            .map_err(connect)?
            .unchecked_into();
        chunk(&value.to_vec());
    }
}

/// Sends `request` directly or through the proxy: the response's status and headers, and the
/// browser's response to read the body from (none when the edge's own problem was read here).
async fn route(request: &HttpRequest) -> Result<(Option<Response>, HttpResponse), TransportError> {
    if request.delay_ms > 0 {
        sleep(request.delay_ms).await;
    }
    let Some(endpoint) = endpoint(&request.url) else {
        return Err(TransportError::Other(format!("not an absolute URL: {}", request.url)));
    };
    let via_proxy = PROXIED.with(|p| p.borrow().contains(&endpoint));
    if !via_proxy {
        match exchange(request, &request.url).await {
            Ok((raw, response)) => return Ok((Some(raw), response)),
            // A fetch that fails outright (no CORS headers, or unreachable): try the proxy.
            Err(TransportError::Connect { .. }) => mark_proxied(endpoint),
            Err(other) => return Err(other),
        };
    }
    let url = proxied(&request.url).ok_or_else(|| TransportError::Other(request.url.clone()))?;
    let (raw, mut response) = exchange(request, &url).await?;
    // The proxy relays the registry's challenge under another name (so that the browser shows
    // no login dialog of its own); the core reads it under its own.
    for (name, _) in response.headers.iter_mut() {
        if name.eq_ignore_ascii_case(PROXY_CHALLENGE) {
            *name = "www-authenticate".to_owned();
        }
    }
    if response.status >= 400 && response.header("content-type") == Some("application/problem+json") {
        response.body = whole_body(&raw, request, &response.headers).await?;
        return match edge_problem(&response) {
            Some(error) => Err(error),
            None => Ok((None, response)),
        };
    }
    Ok((Some(raw), response))
}

/// The edge's own problem (`urn:fathom:problem:…`, not a registry's answer): it refused, or the
/// registry could not be reached or did not answer in time — said in the edge's words, with the
/// cause it could tell.
fn edge_problem(response: &HttpResponse) -> Option<TransportError> {
    let problem = serde_json::from_slice::<serde_json::Value>(&response.body).ok()?;
    let code = problem["type"]
        .as_str()?
        .strip_prefix("urn:fathom:problem:")?
        .to_owned();
    let detail = problem["detail"].as_str().unwrap_or_default().to_owned();
    // The edge's detail names the reference; the core names it again, so keep what follows.
    let said = detail
        .split_once(": ")
        .map_or(detail.clone(), |(_, rest)| rest.to_owned());
    match code.as_str() {
        "upstream-unreachable" => {
            let cause = serde_json::from_value(problem["cause"].clone()).unwrap_or(ConnectCause::Unknown);
            Some(TransportError::connect(cause, format!("the edge: {said}")))
        }
        "upstream-timeout" => Some(TransportError::Timeout(None)),
        _ if response.status == 403 || response.status == 400 => {
            Some(TransportError::Refused { code, message: detail })
        }
        _ => None,
    }
}

/// The browser says no more than "Failed to fetch" (a missing CORS header and an unreachable
/// host look alike): the proxy is tried next, and it tells the cause.
fn connect(e: JsValue) -> TransportError {
    TransportError::connect(ConnectCause::Unknown, format!("{e:?}"))
}

/// Sends `request` to `url`: the browser's response, and its status and headers.
async fn exchange(request: &HttpRequest, url: &str) -> Result<(Response, HttpResponse), TransportError> {
    let init = RequestInit::new();
    init.set_method(request.method.as_str());
    let headers = web_sys::Headers::new().map_err(connect)?;
    for (name, value) in &request.headers {
        headers.append(name, value).map_err(connect)?;
    }
    init.set_headers(&headers);
    let browser_request = Request::new_with_str_and_init(url, &init).map_err(connect)?;
    let response: Response = JsFuture::from(global_fetch(&browser_request))
        .await
        .map_err(connect)?
        .dyn_into()
        .map_err(connect)?;
    let mut out = HttpResponse::new(response.status(), Vec::new());
    if let Ok(Some(entries)) = js_sys::try_iter(&response.headers()) {
        for entry in entries.flatten() {
            let pair: Array = entry.unchecked_into();
            if let (Some(name), Some(value)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
                out.headers.push((name, value));
            }
        }
    }
    Ok((response, out))
}

/// The whole body of `response`, within `request`'s limit.
async fn whole_body(
    response: &Response,
    request: &HttpRequest,
    headers: &[(String, String)],
) -> Result<Vec<u8>, TransportError> {
    let mut body = BodyReader::new(request.max_body, headers)?;
    // The browser hands the body over whole (a stream reader would cost more code than the
    // limits here — 4 MiB manifests, 8 MiB configs — are worth; layers go through `stream`).
    let buffer = JsFuture::from(response.array_buffer().map_err(connect)?)
        .await
        .map_err(connect)?;
    body.push(&Uint8Array::new(&buffer).to_vec())?;
    Ok(body.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_urls_map_to_the_proxy() {
        assert_eq!(
            proxied("http://127.0.0.1:5555/v2/demo/busybox/manifests/oci").as_deref(),
            Some("/proxy/127.0.0.1:5555/v2/demo/busybox/manifests/oci")
        );
        assert_eq!(
            proxied("https://auth.docker.io/token?scope=repository:library/alpine:pull&service=x").as_deref(),
            Some("/proxy/auth.docker.io/token?scope=repository:library/alpine:pull&service=x")
        );
        assert_eq!(proxied("/relative"), None);
    }

    #[test]
    fn the_proxy_is_remembered_per_registry_endpoint() {
        let cases = [
            (
                "http://127.0.0.1:5555/v2/demo/busybox/manifests/oci",
                "127.0.0.1:5555/manifests",
            ),
            ("https://r.example/v2/a/b/c/blobs/sha256:ab", "r.example/blobs"),
            (
                "https://r.example/v2/a/referrers/sha256:ab?artifactType=x",
                "r.example/referrers",
            ),
            ("https://r.example/v2/a/tags/list?n=50", "r.example/tags"),
            (
                "https://auth.docker.io/token?scope=repository:a:pull",
                "auth.docker.io/token",
            ),
            ("https://r.example/v2/", "r.example/v2"),
            ("https://r.example", "r.example/"),
        ];
        for (url, expected) in cases {
            assert_eq!(endpoint(url).as_deref(), Some(expected), "{url}");
        }
    }
}
