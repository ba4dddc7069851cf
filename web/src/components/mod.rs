//! The pieces the views are built of, and the small helpers they share.

use crate::browser;
use crate::fetch;
use fathom_core::registry::session::{ErrorKind, Failure};
use fathom_core::registry::ConnectCause;
use fathom_core::report::Report;
use leptos::prelude::*;

mod attestations;
mod details;
mod files;
mod findings;
mod landing;
mod platform_table;
mod signatures;
mod summary;
mod tags;

pub(crate) use attestations::*;
pub(crate) use details::*;
pub(crate) use files::*;
pub(crate) use findings::*;
pub(crate) use landing::*;
pub(crate) use platform_table::*;
pub(crate) use signatures::*;
pub(crate) use summary::*;
pub(crate) use tags::*;

/// A Report, shown whole: summary, match, platforms, files, details, findings, actions — for
/// an image of a registry, or of an archive (`archive`: then nothing links back to a registry).
#[component]
pub(crate) fn ReportView(
    report: Box<Report>,
    /// The archive the image is read from.
    #[prop(optional)]
    archive: Option<web_sys::File>,
) -> impl IntoView {
    let show_attestations = RwSignal::new(false);
    let registry = archive.is_none();
    view! {
        <Summary report=report.clone() />
        <MatchNote report=report.clone() />
        <label class="toggle">
            <input type="checkbox" id="show-attestations"
                prop:checked=move || show_attestations.get()
                on:change=move |ev| show_attestations.set(event_target_checked(&ev)) />
            " Show attestations"
        </label>
        <PlatformTable report=report.clone() show_attestations comparable=registry />
        // One element for both: a view of nine children cost the first load 8.5 KB gzip more
        // than one of eight (measured).
        <div class="inside">
            <Files report=report.clone() archive=archive.clone() />
            <Attestations report=report.clone() archive=archive.clone() />
            <Signatures report=report.clone() from_archive=!registry />
        </div>
        <Details report=report.clone() />
        <Findings report=report.clone() />
        <Actions report=report shareable=registry />
    }
}

/// The heading every view starts with: the name (a link home) and what the view answers.
#[component]
pub(crate) fn PageHeader(tagline: &'static str) -> impl IntoView {
    view! {
        <header>
            <h1><a href="/">"Fathom"</a></h1>
            <p class="tagline">{tagline}</p>
        </header>
    }
}

#[component]
pub(crate) fn ErrorBox(failure: Failure) -> impl IntoView {
    let title = match failure.kind {
        ErrorKind::NotFound if failure.message.starts_with("invalid") => "Not a valid input",
        ErrorKind::NotFound => "Not found",
        ErrorKind::Unauthorized => "The registry needs credentials",
        ErrorKind::Denied => "The registry denied access",
        ErrorKind::RateLimited => "Rate limited by the registry",
        ErrorKind::BadUpstream => "The registry failed",
        ErrorKind::Timeout => "The registry did not answer in time",
        ErrorKind::TooLarge => "The registry's answer is too large",
        ErrorKind::Refused => "This site does not reach that registry",
        ErrorKind::Unreachable(ConnectCause::Dns) => "The registry's name does not resolve",
        ErrorKind::Unreachable(ConnectCause::Tls) => "A secure connection to the registry failed",
        ErrorKind::Unreachable(_) => "The registry could not be reached",
    };
    let retry = failure.retry_after.map(|s| format!(" Try again in {s} s."));
    let quota = (failure.kind == ErrorKind::RateLimited)
        .then(fetch::last_quota)
        .flatten()
        .map(|q| {
            let count = |n: Option<u64>| n.map_or("?".to_owned(), |n| n.to_string());
            let window = q
                .window_seconds
                .map(|w| format!(" per {} h", w / 3600))
                .unwrap_or_default();
            let whose = q.source.map(|s| format!(" (counted for {s})")).unwrap_or_default();
            format!(
                "Quota: {} of {} pulls left{window}{whose}.",
                count(q.remaining),
                count(q.limit)
            )
        });
    view! {
        <div class="error" role="alert" id="error">
            <h2>{title}</h2>
            <p>{failure.message}{retry}</p>
            {quota.map(|q| view! { <p class="quota">{q}</p> })}
        </div>
    }
}

/// What a panel the file worker answers shows: that it works (`{id}-progress`), why it failed
/// (an alert, `{id}-error`), or what `shown` draws of the answer.
pub(crate) fn worker_answer<T, V>(
    state: RwSignal<Option<Result<T, String>>>,
    id: &'static str,
    working: &'static str,
    failed: &'static str,
    shown: impl Fn(T) -> V + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    move || match state.get() {
        None => view! { <p class="progress" role="status" id=format!("{id}-progress")>{working}</p> }.into_any(),
        Some(Err(message)) => view! {
            <div class="error" role="alert" id=format!("{id}-error")>
                <h2>{failed}</h2>
                <p>{message}</p>
            </div>
        }
        .into_any(),
        Some(Ok(answer)) => shown(answer).into_any(),
    }
}

pub(crate) fn short(digest: &str) -> String {
    let hex = digest.split_once(':').map_or(digest, |(_, h)| h);
    format!("{}…", &hex[..hex.len().min(12)])
}

#[component]
pub(crate) fn Copy(text: String, label: &'static str) -> impl IntoView {
    view! {
        <button type="button" class="copy" aria-label=format!("Copy {label}")
            on:click=move |_| browser::copy(&text)>"Copy"</button>
    }
}

pub(crate) fn pairs(items: Vec<(&'static str, Option<String>)>) -> impl IntoView {
    items
        .into_iter()
        .filter_map(|(k, v)| v.filter(|v| !v.is_empty()).map(|v| view! { <dt>{k}</dt><dd>{v}</dd> }))
        .collect_view()
}
