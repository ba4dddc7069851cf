//! The compare view (`/compare?a=…&b=…[&platform=…]`): both references walked and verified in
//! this page at once, then the core's diff — the same as `fathom diff` and `/api/v1/compare` —
//! shown as platforms added and dropped, changed digests, config changes, and the layers each
//! platform shares with the bytes a second pull reuses.

use fathom_core::compare::{self, Diff, PlatformDiff};
use fathom_core::report::{human_size, Report};
use fathom_core::{Platform, Reference, Severity};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::browser;
use crate::chunks::{wasm_split, SplitLoaderError};
use crate::components::{short, ErrorBox, PageHeader};
use crate::url_resource::url_resource;
use crate::urls::compare_url;
use crate::walk::{failure, walk, Progress};
use fathom_core::registry::session::{ErrorKind, Failure};

/// What the page shows for the two references in the URL, once both walks are done.
#[derive(Clone)]
enum State {
    Empty,
    Done(Box<Diff>, Vec<String>),
    Failed(Failure),
}

/// The URL's part this view is keyed on: both references, and the platform compared.
#[derive(Clone, PartialEq)]
struct Asked {
    a: String,
    b: String,
    platform: String,
}

/// The error findings that say bytes did not match, from either side.
fn mismatches(side: &str, report: &Report) -> Vec<String> {
    report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| format!("{side} {}: {}", report.reference.canonical, f.message))
        .collect()
}

/// Walks both references the URL names at once, and diffs them.
async fn load(asked: Asked, progress: RwSignal<Progress>) -> State {
    let (text_a, text_b) = (asked.a.trim(), asked.b.trim());
    if text_a.is_empty() || text_b.is_empty() {
        return State::Empty;
    }
    let parse = |text: &str| {
        Reference::parse(text).map_err(|e| failure(ErrorKind::NotFound, format!("invalid reference {text:?}: {e}")))
    };
    let platform = match asked.platform.trim() {
        "" => Ok(None),
        text => text
            .parse::<Platform>()
            .map(Some)
            .map_err(|e| failure(ErrorKind::NotFound, format!("invalid platform: {e}"))),
    };
    let (reference_a, reference_b, platform) = match (parse(text_a), parse(text_b), platform) {
        (Ok(a), Ok(b), Ok(p)) => (a, b, p),
        (Err(f), _, _) | (_, Err(f), _) | (_, _, Err(f)) => return State::Failed(f),
    };
    progress.set(Progress::default());
    browser::mark("fathom-compare-submit");
    let (a, b) = futures_util::future::join(
        walk(text_a, reference_a, None, progress),
        walk(text_b, reference_b, None, progress),
    )
    .await;
    let state = match (a, b) {
        (Ok(a), Ok(b)) => {
            let mut bad = mismatches("a", &a);
            bad.extend(mismatches("b", &b));
            State::Done(Box::new(compare::diff(&a, &b, platform.as_ref())), bad)
        }
        (Err(f), _) | (_, Err(f)) => State::Failed(f),
    };
    browser::before_paint(|| browser::mark("fathom-compare"));
    state
}

/// The page, in a wasm chunk of its own (see [`crate::chunks`]).
#[wasm_split(compare, wasm_split_path = ::leptos::wasm_split, fallible)]
pub(crate) fn compare_page() -> Result<AnyView, SplitLoaderError> {
    Ok(view! { <Comparer /> }.into_any())
}

/// The page.
#[component]
pub fn Comparer() -> impl IntoView {
    let query = use_query_map();
    let navigate = use_navigate();
    let input_a = RwSignal::new(String::new());
    let input_b = RwSignal::new(String::new());
    let progress = RwSignal::new(Progress::default());
    let asked = Memo::new(move |_| {
        query.with(|q| Asked {
            a: q.get("a").unwrap_or_default(),
            b: q.get("b").unwrap_or_default(),
            platform: q.get("platform").unwrap_or_default(),
        })
    });
    // The URL fills the form, and drives both walks.
    Effect::new(move |_| {
        let asked = asked.get();
        input_a.set(asked.a);
        input_b.set(asked.b);
    });
    let state = url_resource(asked, move |asked| load(asked, progress));

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        navigate(
            &compare_url(&input_a.get_untracked(), &input_b.get_untracked()),
            Default::default(),
        );
    };

    view! {
        <PageHeader tagline="Two references compared: platforms, digests, and the layers they share — verified in this page." />
        <form class="ask compare-form" on:submit=submit role="search">
            <label for="ref-a">"First reference"</label>
            <input id="ref-a" type="text" autocomplete="off" spellcheck="false" prop:value=move || input_a.get()
                on:input=move |ev| input_a.set(event_target_value(&ev)) />
            <label for="ref-b">"Second reference"</label>
            <input id="ref-b" type="text" autocomplete="off" spellcheck="false" prop:value=move || input_b.get()
                on:input=move |ev| input_b.set(event_target_value(&ev)) />
            <button type="submit">"Compare"</button>
        </form>
        <section aria-live="polite">
            {move || match state.current() {
                    None => view! {
                        <p class="progress" role="status" id="progress">{move || progress.get().describe()}</p>
                    }.into_any(),
                    Some(State::Empty) => ().into_any(),
                    Some(State::Failed(failure)) => view! { <ErrorBox failure /> }.into_any(),
                    Some(State::Done(diff, bad)) => view! { <DiffView diff=*diff bad /> }.into_any(),
                }}
        </section>
    }
}

#[component]
fn DiffView(diff: Diff, bad: Vec<String>) -> impl IntoView {
    let side = |label: &'static str, s: &compare::Side| {
        let digest = s.digest.clone().unwrap_or_default();
        view! {
            <div class="side">
                <span class="muted">{label}</span> " "
                <a href=format!("/?ref={}", browser::encode(&s.reference))>{s.reference.clone()}</a> " "
                <code title=digest.clone()>{short(&digest)}</code>
            </div>
        }
    };
    let nothing_in_common = diff.platforms.is_empty();
    view! {
        <section class="compare" id="compare">
            {(!bad.is_empty()).then(|| view! {
                <div class="error mismatch" role="alert" id="compare-mismatch">
                    <strong>"✘ digest-mismatch"</strong>
                    <ul>{bad.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}</ul>
                </div>
            })}
            <div class="sides" id="sides">{side("a", &diff.a)}{side("b", &diff.b)}</div>
            <ul class="platform-changes" id="platform-changes">
                {diff.added.iter().map(|p| view! { <li class="added">{format!("+ {p} only in b")}</li> }).collect_view()}
                {diff.dropped.iter().map(|p| view! { <li class="dropped">{format!("− {p} only in a")}</li> }).collect_view()}
            </ul>
            {nothing_in_common.then(|| view! { <p class="muted">"No platform on both sides."</p> })}
            <table class="platforms" id="compare-platforms">
                <caption>"Platforms on both sides"</caption>
                <thead><tr>
                    <th scope="col">"Platform"</th><th scope="col">"Manifest a → b"</th><th scope="col">"Size a → b"</th>
                    <th scope="col">"Created a → b"</th><th scope="col">"Layers shared"</th><th scope="col">"Bytes shared"</th>
                    <th scope="col">"To download"</th><th scope="col">"Only in a"</th>
                </tr></thead>
                <tbody>{diff.platforms.iter().map(|p| view! { <PlatformRow p=p.clone() /> }).collect_view()}</tbody>
            </table>
            {diff.platforms.iter().map(|p| view! { <Sharing p=p.clone() /> }).collect_view()}
        </section>
    }
}

#[component]
fn PlatformRow(p: PlatformDiff) -> impl IntoView {
    let digests = if p.same {
        format!("same: {}", short(&p.digest.a))
    } else {
        format!("{} → {}", short(&p.digest.a), short(&p.digest.b))
    };
    let created = |c: &Option<String>| c.clone().unwrap_or_else(|| "-".into());
    let l = &p.layers;
    view! {
        <tr class=if p.same { "row same" } else { "row changed" } data-platform=p.platform.clone()
            data-shared-bytes=l.shared_bytes.to_string() data-download-bytes=l.download_bytes.to_string()>
            <td>{p.platform.clone()}</td>
            <td><code>{digests}</code></td>
            <td>{format!("{} → {}", human_size(p.size.a), human_size(p.size.b))}</td>
            <td>{format!("{} → {}", created(&p.created.a), created(&p.created.b))}</td>
            <td>{l.shared.len().to_string()}</td>
            <td>{human_size(l.shared_bytes)}</td>
            <td>{human_size(l.download_bytes)}</td>
            <td>{human_size(l.only_a_bytes)}</td>
        </tr>
    }
}

/// One platform's layer sharing as a bar (shared | to download) with the config changes.
#[component]
fn Sharing(p: PlatformDiff) -> impl IntoView {
    let l = &p.layers;
    let total_b = (l.shared_bytes + l.download_bytes).max(1);
    let shared_pct = l.shared_bytes * 100 / total_b;
    let label = format!(
        "{}: {} of b's {} already in a ({shared_pct} %), {} to download",
        p.platform,
        human_size(l.shared_bytes),
        human_size(l.shared_bytes + l.download_bytes),
        human_size(l.download_bytes)
    );
    let c = &p.config;
    let mut changes: Vec<String> = Vec::new();
    changes.extend(c.env_added.iter().map(|e| format!("env + {e}")));
    changes.extend(c.env_removed.iter().map(|e| format!("env − {e}")));
    changes.extend(c.labels_changed.iter().map(|(k, a, b)| {
        format!(
            "label {k}: {} → {}",
            a.as_deref().unwrap_or("(none)"),
            b.as_deref().unwrap_or("(none)")
        )
    }));
    let list = |v: &Option<Vec<String>>| {
        v.as_ref()
            .and_then(|v| serde_json::to_string(v).ok())
            .unwrap_or_else(|| "(none)".to_owned())
    };
    if let Some(e) = &c.entrypoint {
        changes.push(format!("entrypoint: {} → {}", list(&e.a), list(&e.b)));
    }
    if let Some(cmd) = &c.cmd {
        changes.push(format!("cmd: {} → {}", list(&cmd.a), list(&cmd.b)));
    }
    // The bar is a <meter>: attributes, not an inline style, which the page's CSP does not allow.
    view! {
        <section class="sharing" data-platform=p.platform.clone()>
            <h3>{p.platform.clone()}</h3>
            <meter class="share-bar" min="0" max="100" value=shared_pct aria-label=label.clone()></meter>
            <p class="share-text">{label}</p>
            {(!l.shared.is_empty()).then(|| view! {
                <details><summary>{match l.shared.len() {
                    1 => "1 shared layer".to_owned(),
                    n => format!("{n} shared layers"),
                }}</summary>
                    <ul class="shared-layers">{l.shared.iter().map(|d| view! { <li><code>{d.clone()}</code></li> }).collect_view()}</ul>
                </details>
            })}
            {(!changes.is_empty()).then(|| view! {
                <ul class="config-changes">{changes.into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}</ul>
            })}
        </section>
    }
}
