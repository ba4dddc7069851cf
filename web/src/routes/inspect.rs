//! The inspect view (`/?ref=…&platform=…&digest=…`): a reference in, every platform out —
//! walked and verified in this page.

use crate::browser;
use crate::components::*;
use crate::guess::{self, Guess};
use crate::urls::state_url;
use crate::walk::{failure, walk, Progress};
use fathom_core::compare::{self, Diff};
use fathom_core::registry::session::{ErrorKind, Failure};
use fathom_core::report::Report;
use fathom_core::{Platform, Reference};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_query_map};

/// Platforms offered in the selector besides the guess.
pub(crate) const PLATFORMS: [&str; 9] = [
    "linux/amd64",
    "linux/arm64",
    "linux/arm/v7",
    "linux/arm/v6",
    "linux/386",
    "linux/ppc64le",
    "linux/s390x",
    "linux/riscv64",
    "windows/amd64",
];

/// What the page shows for the reference in the URL.
#[derive(Clone)]
pub(crate) enum View {
    Empty,
    Working,
    Done(Box<Report>, Option<Box<Drift>>),
    Failed(Failure),
}

/// A pinned digest that the tag no longer points to.
#[derive(Clone)]
pub(crate) struct Drift {
    pinned: String,
    diff: Option<Diff>,
}

#[component]
pub(crate) fn Inspector() -> impl IntoView {
    let query = use_query_map();
    let navigate = use_navigate();
    let input = RwSignal::new(String::new());
    let chosen_platform = RwSignal::new(String::new());
    let guess = RwSignal::new(None::<Guess>);
    let view_state = RwSignal::new(View::Empty);
    let show_attestations = RwSignal::new(false);
    let progress = RwSignal::new(Progress::default());
    let generation = StoredValue::new(0u64);

    spawn_local(async move {
        let g = guess::guess().await;
        if chosen_platform.get_untracked().is_empty() {
            chosen_platform.set(g.platform.clone());
        }
        guess.set(Some(g));
    });

    // The URL drives the walk.
    Effect::new(move |_| {
        let q = query.get();
        let reference_text = q.get("ref").unwrap_or_default();
        let platform_text = q.get("platform").unwrap_or_default();
        let pinned = q.get("digest").filter(|d| !d.is_empty());
        input.set(reference_text.clone());
        if !platform_text.is_empty() {
            chosen_platform.set(platform_text.clone());
        }
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        if reference_text.trim().is_empty() {
            view_state.set(View::Empty);
            return;
        }
        let reference = match Reference::parse(reference_text.trim()) {
            Ok(r) => r,
            Err(e) => {
                view_state.set(View::Failed(failure(
                    ErrorKind::NotFound,
                    format!("invalid reference {:?}: {e}", reference_text.trim()),
                )));
                return;
            }
        };
        let platform = if platform_text.is_empty() {
            None
        } else {
            match platform_text.parse::<Platform>() {
                Ok(p) => Some(p),
                Err(e) => {
                    view_state.set(View::Failed(failure(
                        ErrorKind::NotFound,
                        format!("invalid platform: {e}"),
                    )));
                    return;
                }
            }
        };
        progress.set(Progress::default());
        view_state.set(View::Working);
        browser::mark("fathom-submit");
        spawn_local(async move {
            let result = walk(reference_text.trim(), reference.clone(), platform.clone(), progress).await;
            if generation.get_value() != mine {
                return; // a newer reference took over
            }
            let state = match result {
                Ok(report) => {
                    let drift = match (&pinned, &report.digest, reference.digest()) {
                        (Some(pinned), Some(now), None) if pinned != now => {
                            let diff = match pinned.parse() {
                                Ok(digest) => {
                                    let at_pin = reference.with_digest(digest);
                                    walk(&at_pin.to_string(), at_pin, platform.clone(), progress)
                                        .await
                                        .ok()
                                        .map(|old| compare::diff(&old, &report, None))
                                }
                                Err(_) => None,
                            };
                            Some(Box::new(Drift {
                                pinned: pinned.clone(),
                                diff,
                            }))
                        }
                        _ => None,
                    };
                    View::Done(report, drift)
                }
                Err(failure) => View::Failed(failure),
            };
            if generation.get_value() == mine {
                view_state.set(state);
                request_animation_mark();
            }
        });
    });

    let submit = {
        let navigate = navigate.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let url = state_url(&input.get_untracked(), &chosen_platform.get_untracked(), None);
            navigate(&url, Default::default());
        }
    };
    let on_platform = move |ev: leptos::ev::Event| {
        let platform = event_target_value(&ev);
        chosen_platform.set(platform.clone());
        if !input.get_untracked().trim().is_empty() {
            let digest = query.get_untracked().get("digest");
            navigate(
                &state_url(&input.get_untracked(), &platform, digest.as_deref()),
                Default::default(),
            );
        }
    };

    view! {
        <PageHeader tagline="Every platform behind an image reference, with every digest verified in this page." />
        <form class="ask" on:submit=submit role="search">
            <label for="ref">"Image reference"</label>
            <input id="ref" name="ref" type="text" autocomplete="off" spellcheck="false"
                placeholder="alpine:3.20, ghcr.io/org/app:1.2, busybox@sha256:…"
                prop:value=move || input.get()
                on:input=move |ev| input.set(event_target_value(&ev)) />
            <label for="platform">"Your platform"</label>
            <select id="platform" name="platform" on:change=on_platform prop:value=move || chosen_platform.get()>
                {move || {
                    let mut options: Vec<String> = PLATFORMS.iter().map(|p| p.to_string()).collect();
                    let current = chosen_platform.get();
                    if !current.is_empty() && !options.contains(&current) {
                        options.insert(0, current.clone());
                    }
                    options
                        .into_iter()
                        .map(|p| {
                            let selected = p == current;
                            view! { <option value=p.clone() selected=selected>{p.clone()}</option> }
                        })
                        .collect_view()
                }}
            </select>
            <button type="submit">"Go"</button>
            <p class="guess" id="guess">
                {move || guess.get().map(|g| format!("Guessed {} — {}", g.platform, g.note))}
            </p>
        </form>
        <Examples />
        <section aria-live="polite">
            {move || match view_state.get() {
                View::Empty => view! { <Landing /> }.into_any(),
                View::Working => view! {
                    <p class="progress" role="status" id="progress">{move || progress.get().describe()}</p>
                }.into_any(),
                View::Failed(failure) => view! { <ErrorBox failure /> }.into_any(),
                View::Done(report, drift) => view! {
                    {drift.map(|d| view! { <DriftBanner drift=*d reference=report.reference.input.clone() /> })}
                    <Summary report=report.clone() />
                    <MatchNote report=report.clone() />
                    <label class="toggle">
                        <input type="checkbox" id="show-attestations"
                            prop:checked=move || show_attestations.get()
                            on:change=move |ev| show_attestations.set(event_target_checked(&ev)) />
                        " Show attestations"
                    </label>
                    <PlatformTable report=report.clone() show_attestations />
                    <Details report=report.clone() />
                    <Findings report=report.clone() />
                    <Actions report=report.clone() />
                    <TagsList repository=report.reference.registry.clone() + "/" + &report.reference.repository
                        current=report.reference.input.clone() />
                }.into_any(),
            }}
        </section>
    }
}

/// Marks the moment the table is built and about to be painted.
pub(crate) fn request_animation_mark() {
    browser::before_paint(|| browser::mark("fathom-table"));
}

#[component]
pub(crate) fn DriftBanner(drift: Drift, reference: String) -> impl IntoView {
    let pinned_view = match reference.parse::<Reference>() {
        Ok(r) => state_url(&format!("{}@{}", r.name(), drift.pinned), "", None),
        Err(_) => "/".to_owned(),
    };
    let details = drift.diff.map(|d| {
        let changed: Vec<String> = d
            .platforms
            .iter()
            .filter(|p| !p.same)
            .map(|p| p.platform.clone())
            .collect();
        view! {
            <ul>
                {(!d.added.is_empty()).then(|| view! { <li>"Platforms added: " {d.added.join(", ")}</li> })}
                {(!d.dropped.is_empty()).then(|| view! { <li>"Platforms dropped: " {d.dropped.join(", ")}</li> })}
                {(!changed.is_empty()).then(|| view! { <li>"Platforms whose digest changed: " {changed.join(", ")}</li> })}
            </ul>
        }
    });
    view! {
        <div class="drift" role="alert" id="drift">
            <strong>"This tag has moved since the link was made."</strong>
            " The link pinned " <code>{drift.pinned.clone()}</code> "; the tag now points elsewhere. "
            <a href=pinned_view>"View the pinned digest"</a>
            {details}
        </div>
    }
}
