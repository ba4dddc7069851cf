//! The page: a reference in, every platform out — walked and verified in this page. The URL is
//! the state (`?ref=…&platform=…&digest=…`), so reloads, the back button and shared links reopen
//! the same view.

use fathom_core::compare::{self, Diff};
use fathom_core::inspect::{Inspect, Options};
use fathom_core::registry::session::{ErrorKind, Failure, SessionOptions};
use fathom_core::registry::tags::{Page, TagList};
use fathom_core::registry::{drive, ConnectCause};
use fathom_core::report::{human_size, EntryKind, PlatformEntry, Report};
use fathom_core::{Platform, Reference};
use leptos::either::Either;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{FlatRoutes, Route, Router};
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::path;

use crate::browser;
use crate::compare_view::{compare_url, Comparer};
use crate::fetch;
use crate::guess::{self, Guess};

/// Platforms offered in the selector besides the guess.
const PLATFORMS: [&str; 9] = [
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
enum View {
    Empty,
    Working,
    Done(Box<Report>, Option<Box<Drift>>),
    Failed(Failure),
}

/// A pinned digest that the tag no longer points to.
#[derive(Clone)]
struct Drift {
    pinned: String,
    diff: Option<Diff>,
}

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    // Flat routes: two pages need no nesting (and the nested router is ~10 KB gzip more).
    view! {
        <Router>
            <main>
                <FlatRoutes fallback=|| view! { <p>"No such page."</p> }>
                    <Route path=path!("/") view=Inspector />
                    <Route path=path!("/compare") view=Comparer />
                </FlatRoutes>
            </main>
        </Router>
    }
}

/// A failure of this page's own making (bad input).
pub(crate) fn failure(kind: ErrorKind, message: String) -> Failure {
    Failure {
        kind,
        message,
        retry_after: None,
    }
}

fn now() -> u64 {
    (js_sys::Date::now() / 1000.0) as u64
}

/// Walks `input` in this page; `answered` counts responses as they come.
/// How far a walk has come: manifests asked for and verified, and every response.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Progress {
    manifests_asked: usize,
    manifests_done: usize,
    responses: usize,
}

impl Progress {
    /// The progress line the page shows while it works.
    pub(crate) fn describe(&self) -> String {
        format!(
            "Fetched and checked {} of {} manifests ({} responses)…",
            self.manifests_done, self.manifests_asked, self.responses
        )
    }
}

pub(crate) async fn walk(
    input: &str,
    reference: Reference,
    platform: Option<Platform>,
    progress: RwSignal<Progress>,
) -> Result<Box<Report>, Failure> {
    let options = Options {
        platform,
        now: now(),
        // The browser queues what its connections cannot carry; the walk need not hold back
        // (the referrers lookup then starts with the children, not after them).
        concurrency: 32,
        ..Options::default()
    };
    drive::run(Inspect::new(input, reference, options), |request| async move {
        let manifest = request.url.contains("/manifests/");
        if manifest {
            progress.update(|p| p.manifests_asked += 1);
        }
        let response = fetch::send(request).await;
        progress.update(|p| {
            p.responses += 1;
            p.manifests_done += usize::from(manifest);
        });
        response
    })
    .await
}

#[component]
fn Inspector() -> impl IntoView {
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
        <header>
            <h1><a href="/">"Fathom"</a></h1>
            <p class="tagline">"Every platform behind an image reference, with every digest verified in this page."</p>
        </header>
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

/// `/?ref=…&platform=…[&digest=…]`.
fn state_url(reference: &str, platform: &str, digest: Option<&str>) -> String {
    let mut query = vec![format!("ref={}", browser::encode(reference.trim()))];
    if !platform.is_empty() {
        query.push(format!("platform={}", browser::encode(platform)));
    }
    if let Some(digest) = digest {
        query.push(format!("digest={}", browser::encode(digest)));
    }
    format!("/?{}", query.join("&"))
}

/// Marks the moment the table is built and about to be painted.
fn request_animation_mark() {
    browser::before_paint(|| browser::mark("fathom-table"));
}

/// What a visitor sees before asking anything: what Fathom answers, and why to trust it.
#[component]
fn Landing() -> impl IntoView {
    view! {
        <section class="landing" id="landing" aria-labelledby="landing-title">
            <h2 id="landing-title">"What is behind an image reference — and can you trust it?"</h2>
            <div class="points">
                <div>
                    <h3>"Every platform"</h3>
                    <p>"os, architecture, variant and os.version of each image in the index; its manifest digest, config, layers, sizes, attestations and the artifacts that refer to it."</p>
                </div>
                <div>
                    <h3>"Your machine"</h3>
                    <p>"The row a " <code>"docker pull"</code> " on your platform gets, by containerd's own rules — or, before it bites, why there is "
                    <em>"no matching manifest"</em> " and what to do instead."</p>
                </div>
                <div>
                    <h3>"Proof, not trust"</h3>
                    <p>"Every manifest and config is fetched by this page and hashed here: it must hash to the digest that names it. A mismatch is shown in red, never hidden. Only which digest a tag points to is the registry's word — share a link pinned to that digest."</p>
                </div>
            </div>
            <p class="muted">"The same core answers in the terminal (" <code>"fathom inspect"</code> ") and at the edge (" <a href="/api/v1/openapi.json">"/api/v1/inspect"</a> "); registries that send no CORS headers are read through this site's locked-down proxy."</p>
        </section>
    }
}

#[component]
fn Examples() -> impl IntoView {
    let local = browser::is_local();
    let examples: Vec<&str> = if local {
        vec![
            "127.0.0.1:5555/demo/busybox:oci",
            "127.0.0.1:5555/demo/busybox:docker",
            "127.0.0.1:5555/demo/attested:latest",
            "127.0.0.1:5555/demo/nested:latest",
            "127.0.0.1:5555/demo/app:8-arm64",
        ]
    } else {
        vec![
            "alpine:3.20",
            "mysql:8",
            "ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector:latest",
        ]
    };
    view! {
        <nav class="examples" aria-label="Examples">
            "Try: "
            {examples
                .into_iter()
                .map(|e| view! { <a href=state_url(e, "", None)>{e}</a> " " })
                .collect_view()}
        </nav>
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

#[component]
fn DriftBanner(drift: Drift, reference: String) -> impl IntoView {
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

pub(crate) fn short(digest: &str) -> String {
    let hex = digest.split_once(':').map_or(digest, |(_, h)| h);
    format!("{}…", &hex[..hex.len().min(12)])
}

#[component]
fn Copy(text: String, label: &'static str) -> impl IntoView {
    view! {
        <button type="button" class="copy" aria-label=format!("Copy {label}")
            on:click=move |_| browser::copy(&text)>"Copy"</button>
    }
}

#[component]
fn Summary(report: Box<Report>) -> impl IntoView {
    let digest = report.digest.clone().unwrap_or_default();
    let resolved = match report.resolved_by {
        fathom_core::report::ResolvedBy::Tag => {
            "tag → digest on the registry's word; every byte below hashed in this page"
        }
        fathom_core::report::ResolvedBy::Digest => "digest proven: the bytes hash to it in this page",
    };
    view! {
        <dl class="summary" id="summary">
            <dt>"Reference"</dt><dd id="canonical">{report.reference.canonical.clone()}</dd>
            <dt>"Digest"</dt><dd><code id="top-digest">{digest.clone()}</code> <Copy text=digest label="digest" /></dd>
            <dt>"Media type"</dt><dd>{report.media_type.clone().unwrap_or_default()}</dd>
            <dt>"Size"</dt><dd>{report.size.map(human_size).unwrap_or_default()}</dd>
            <dt>"Resolved"</dt><dd id="resolved-by">{resolved}</dd>
        </dl>
    }
}

#[component]
fn MatchNote(report: Box<Report>) -> impl IntoView {
    report.platform_match.map(|m| match m.chosen {
        Some(_) => view! {
            <p class="match ok" id="match">
                {format!("✔ {} — docker pull on {} gets the highlighted row.", m.explanation.summary, m.platform)}
            </p>
        }
        .into_any(),
        None => view! {
            <div class="match none" id="match" role="alert">
                <p><strong>{format!("✘ no matching manifest for {}", m.platform)}</strong>" — " {m.explanation.summary.clone()}</p>
                <ul>
                    {m.explanation.candidates.iter().take(4).map(|c| view! {
                        <li>{format!("{}: {}", c.platform.format_all(), c.reason)}</li>
                    }).collect_view()}
                </ul>
                <ul class="remedies">
                    {m.explanation.remedies.iter().map(|r| view! { <li>{r.message.clone()}</li> }).collect_view()}
                </ul>
            </div>
        }
        .into_any(),
    })
}

fn platform_cells(entry: &PlatformEntry) -> [String; 4] {
    let p = entry.platform.clone().unwrap_or_default();
    [p.os, p.architecture, p.variant, p.os_version]
}

#[component]
fn PlatformTable(report: Box<Report>, show_attestations: RwSignal<bool>) -> impl IntoView {
    let chosen = report.platform_match.as_ref().and_then(|m| m.chosen);
    let rows = report.platforms.clone();
    // Each image compares with the first one (the layers two platforms share).
    let repository = format!("{}/{}", report.reference.registry, report.reference.repository);
    let first = rows
        .iter()
        .find(|e| e.kind == EntryKind::Image)
        .map(|e| (e.descriptor.digest.clone(), row_label(e)));
    view! {
        <table class="platforms" id="platforms">
            <caption>"Platforms"</caption>
            <thead><tr>
                <th scope="col">"OS"</th><th scope="col">"Architecture"</th><th scope="col">"Variant"</th>
                <th scope="col">"OS version"</th><th scope="col">"Manifest digest"</th><th scope="col">"Size"</th>
                <th scope="col">"Created"</th><th scope="col">"Layers"</th><th scope="col">"Kind"</th><th scope="col">"Verified"</th>
                <th scope="col">"Compare"</th>
            </tr></thead>
            <tbody>
                {rows.into_iter().enumerate().map(|(i, entry)| {
                    let attestation = entry.kind == EntryKind::Attestation;
                    let [os, arch, variant, os_version] = platform_cells(&entry);
                    let image = entry.image.clone().unwrap_or_default();
                    let kind = serde_json::to_value(entry.kind).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
                    let row_error = report.row_error(i).map(|f| f.code.to_string());
                    let verified = match entry.verified {
                        Some(true) => view! { <span class="ok">"✔ verified"</span> }.into_any(),
                        Some(false) => view! { <strong class="mismatch">{format!("✘ {}", row_error.unwrap_or_else(|| "mismatch".into()))}</strong> }.into_any(),
                        None => view! { <span class="muted">"not fetched"</span> }.into_any(),
                    };
                    let mut class = vec!["row"];
                    if chosen == Some(i) { class.push("chosen"); }
                    if entry.verified == Some(false) { class.push("bad"); }
                    if attestation { class.push("attestation"); }
                    let digest = entry.descriptor.digest.clone();
                    let (digest_attr, digest_title, digest_short) = (digest.clone(), digest.clone(), short(&digest));
                    let arch_attr = arch.clone();
                    view! {
                        <tr class=class.join(" ") data-digest=digest_attr data-arch=arch_attr
                            aria-current=(chosen == Some(i)).then_some("true")
                            hidden=move || attestation && !show_attestations.get()>
                            <td>{os}{(chosen == Some(i)).then(|| view! { <span class="yours" title="docker pull on your platform gets this image">"your pull"</span> })}</td>
                            <td>{arch}</td><td>{variant}</td><td>{os_version}</td>
                            <td><code title=digest_title>{digest_short}</code> <Copy text=digest label="manifest digest" /></td>
                            <td>{(image.total_size > 0).then(|| human_size(image.total_size))}</td>
                            <td>{image.created.clone().unwrap_or_default()}</td>
                            <td>{(!image.layers.is_empty()).then(|| image.layers.len().to_string())}</td>
                            <td>{kind}</td>
                            <td>{verified}</td>
                            <td>{first.clone().filter(|(d, _)| entry.kind == EntryKind::Image && *d != entry.descriptor.digest).map(|(d, label)| {
                                let href = compare_url(&format!("{repository}@{d}"), &format!("{repository}@{}", entry.descriptor.digest));
                                view! { <a class="compare-link" href=href>{format!("⇄ {label}")}</a> }
                            })}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

fn row_label(entry: &PlatformEntry) -> String {
    entry
        .platform
        .as_ref()
        .map(Platform::format_all)
        .unwrap_or_else(|| "(no platform)".to_owned())
}

fn pairs(items: Vec<(&'static str, Option<String>)>) -> impl IntoView {
    items
        .into_iter()
        .filter_map(|(k, v)| v.filter(|v| !v.is_empty()).map(|v| view! { <dt>{k}</dt><dd>{v}</dd> }))
        .collect_view()
}

/// Each image's detail: config, history, layers, annotations — all as text, never as markup.
#[component]
fn Details(report: Box<Report>) -> impl IntoView {
    let rows: Vec<(usize, PlatformEntry)> = report
        .platforms
        .iter()
        .cloned()
        .enumerate()
        .filter(|(_, e)| e.image.is_some() || e.descriptor.annotations.is_some())
        .collect();
    let referrers = report.referrers.clone();
    let top = report.digest.clone();
    view! {
        <section class="details" id="details">
            <h2>"Details"</h2>
            {top.map(|digest| view! {
                <RawDetails class="raw-top" label="Raw top-level manifest" digest />
            })}
            {(!referrers.is_empty()).then(|| view! {
                <h3>"Referrers"</h3>
                <ul class="referrers" id="referrers">
                    {referrers.into_iter().map(|r| view! {
                        <li>
                            <code>{r.descriptor.digest.clone()}</code>" "
                            {r.descriptor.artifact_type.clone().or_else(|| r.descriptor.media_type.as_ref().map(|m| m.as_str().to_owned())).unwrap_or_default()}
                            " " <span class="muted">{format!("({})", r.source)}</span>
                        </li>
                    }).collect_view()}
                </ul>
            })}
            {rows.into_iter().map(|(i, entry)| {
                let image = entry.image.clone().unwrap_or_default();
                let join = |v: Option<Vec<String>>| v.map(|v| v.join(" "));
                let labels = image.labels.clone().unwrap_or_default();
                let annotations = entry.descriptor.annotations.clone().unwrap_or_default();
                view! {
                    <details id=format!("detail-{i}")>
                        <summary>{format!("{} — {}", row_label(&entry), short(&entry.descriptor.digest))}</summary>
                        <dl class="summary">
                            {pairs(vec![
                                ("Manifest", Some(entry.descriptor.digest.clone())),
                                ("Config", image.config_digest.clone()),
                                ("Entrypoint", join(image.entrypoint.clone())),
                                ("Cmd", join(image.cmd.clone())),
                                ("Working dir", image.working_dir.clone()),
                                ("User", image.user.clone()),
                                ("Ports", join(image.exposed_ports.clone())),
                                ("Created", image.created.clone()),
                            ])}
                        </dl>
                        {(!image.env.clone().unwrap_or_default().is_empty()).then(|| view! {
                            <h3>"Environment"</h3>
                            <ul>{image.env.clone().unwrap_or_default().into_iter().map(|e| view! { <li><code>{e}</code></li> }).collect_view()}</ul>
                        })}
                        {(!labels.is_empty()).then(|| view! {
                            <h3>"Labels"</h3>
                            <dl class="summary labels">{labels.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}</dl>
                        })}
                        {(!annotations.is_empty()).then(|| view! {
                            <h3>"Annotations"</h3>
                            <dl class="summary annotations">{annotations.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}</dl>
                        })}
                        {(!image.layers.is_empty()).then(|| view! {
                            <h3>"Layers"</h3>
                            <ol class="layers">{image.layers.iter().map(|l| view! {
                                <li><code>{l.digest.clone()}</code>" " {l.size.map(|n| human_size(n.max(0) as u64))}" " <span class="muted">{l.media_type.clone()}</span></li>
                            }).collect_view()}</ol>
                        })}
                        <RawDetails class="raw" label="Raw manifest" digest=entry.descriptor.digest.clone() />
                        {image.history.clone().filter(|h| !h.is_empty()).map(|history| view! {
                            <h3>"History"</h3>
                            <ol class="history">{history.into_iter().map(|h| view! {
                                <li><code>{h.created_by.unwrap_or_default()}</code></li>
                            }).collect_view()}</ol>
                        })}
                    </details>
                }
            }).collect_view()}
        </section>
    }
}

#[component]
fn Findings(report: Box<Report>) -> impl IntoView {
    (!report.findings.is_empty()).then(|| {
        view! {
            <details class="findings" open=report.findings.iter().any(|f| f.severity == fathom_core::Severity::Error)>
                <summary>{format!("{} findings", report.findings.len())}</summary>
                <ul>
                    {report.findings.iter().map(|f| {
                        let severity = f.severity.to_string();
                        let class = severity.clone();
                        view! { <li class=class><b>{severity}</b>" " <code>{f.code.to_string()}</code>" " {f.message.clone()}</li> }
                    }).collect_view()}
                </ul>
            </details>
        }
    })
}

#[component]
fn Actions(report: Box<Report>) -> impl IntoView {
    let json = {
        let mut text = serde_json::to_string_pretty(&*report).unwrap_or_default();
        text.push('\n');
        text
    };
    let share = report.digest.clone().map(|digest| {
        let platform = report
            .platform_match
            .as_ref()
            .map(|m| m.platform.clone())
            .unwrap_or_default();
        browser::absolute(&state_url(&report.reference.input, &platform, Some(&digest)))
    });
    view! {
        <p class="actions">
            {share.map(|link| view! {
                <button type="button" id="copy-link" on:click=move |_| browser::copy(&link)>"Copy link (pins the digest)"</button>
            })}
            " "
            <button type="button" id="download" on:click=move |_| browser::download("report.json", &json)>"Download the Report (JSON)"</button>
        </p>
    }
}

/// Tags shown per page.
const TAG_PAGE: usize = 100;

/// The repository's tags, a page at a time, each a link to its view. Registries that ignore the
/// page size answer with everything at once; the page is then cut here.
#[component]
fn TagsList(repository: String, current: String) -> impl IntoView {
    let tags = RwSignal::new(Vec::<String>::new());
    let shown = RwSignal::new(0usize);
    let more_upstream = RwSignal::new(false);
    let status = RwSignal::new(String::new());
    let load = {
        let repository = repository.clone();
        move || {
            let repository = repository.clone();
            let last = tags.get_untracked().last().cloned();
            status.set("Loading tags…".into());
            spawn_local(async move {
                let Ok(reference) = repository.parse::<Reference>() else {
                    return;
                };
                let page = Page {
                    size: Some(TAG_PAGE as u32),
                    last,
                };
                let options = SessionOptions {
                    concurrency: 1,
                    now: now(),
                    credentials: None,
                };
                match drive::run(TagList::new(&reference, page, 1, false, options), fetch::send).await {
                    Ok(listing) => {
                        more_upstream.set(listing.next.is_some());
                        tags.update(|t| {
                            for tag in listing.tags {
                                if !t.contains(&tag) {
                                    t.push(tag);
                                }
                            }
                        });
                        shown.update(|n| *n = (*n + TAG_PAGE).min(tags.get_untracked().len()));
                        status.set(String::new());
                    }
                    Err(failure) => status.set(failure.message),
                }
            });
        }
    };
    let first = load.clone();
    let repo_label = repository.clone();
    view! {
        <section class="tags" id="tags">
            <h2>"Tags"</h2>
            {move || (shown.get() == 0).then(|| {
                let first = first.clone();
                view! { <button type="button" id="load-tags" on:click=move |_| first()>{format!("List the tags of {repo_label}")}</button> }
            })}
            <ul class="tag-list">
                {move || tags.get().into_iter().take(shown.get()).map(|tag| {
                    let reference = format!("{}:{tag}", repository);
                    let compare = compare_url(&current, &reference);
                    view! {
                        <li>
                            <a href=state_url(&reference, "", None)>{tag}</a>
                            " " <a class="compare-link" href=compare title=format!("Compare {current} with {reference}")>"⇄ compare"</a>
                        </li>
                    }
                }).collect_view()}
            </ul>
            {move || {
                let load = load.clone();
                let more_here = shown.get() < tags.get().len();
                (shown.get() > 0 && (more_here || more_upstream.get())).then(|| view! {
                    <button type="button" id="more-tags" on:click=move |_| {
                        if shown.get_untracked() < tags.get_untracked().len() {
                            shown.update(|n| *n = (*n + TAG_PAGE).min(tags.get_untracked().len()));
                        } else {
                            load();
                        }
                    }>"More tags"</button>
                })
            }}
            <p class="muted" role="status">{move || status.get()}</p>
        </section>
    }
}

/// A disclosure that renders [`RawJson`] only once opened (the table is not kept waiting).
#[component]
fn RawDetails(class: &'static str, label: &'static str, digest: String) -> impl IntoView {
    let open = RwSignal::new(false);
    view! {
        <details class=class on:toggle=move |_| open.set(true)>
            <summary>{label}</summary>
            {move || open.get().then(|| view! { <RawJson digest=digest.clone() /> })}
        </details>
    }
}

/// The exact bytes this page received and hashed for `digest`, and a pretty view of them in which
/// every digest is a link to its own raw view. Text only, never markup.
#[component]
fn RawJson(digest: String) -> impl IntoView {
    let Some(bytes) = fetch::received(&digest) else {
        return Either::Left(
            view! { <p class="muted">"Not fetched by this page (it was not needed, or did not verify)."</p> },
        );
    };
    let exact = String::from_utf8_lossy(&bytes).into_owned();
    let pretty = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| exact.clone());
    let anchor = format!("raw-{}", digest.replace(':', "-"));
    Either::Right(view! {
        <div class="raw-json" id=anchor>
            <h4>"Exact bytes (" {bytes.len()} " bytes, sha256 as shown above)"</h4>
            <pre class="exact">{exact}</pre>
            <h4>"Pretty"</h4>
            <pre class="pretty">{linked_digests(&pretty)}</pre>
        </div>
    })
}

/// `text` with every `sha256:<64 hex>` turned into a link to that digest's raw view.
fn linked_digests(text: &str) -> impl IntoView {
    let mut parts: Vec<Either<String, String>> = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("sha256:") {
        let candidate = &rest[at..];
        let hex_len = candidate[7..].bytes().take_while(u8::is_ascii_hexdigit).count();
        let end = if hex_len == 64 { 71 } else { 7 };
        parts.push(Either::Left(rest[..at].to_owned()));
        if hex_len == 64 {
            parts.push(Either::Right(candidate[..71].to_owned()));
        } else {
            parts.push(Either::Left(candidate[..7].to_owned()));
        }
        rest = &candidate[end..];
    }
    parts.push(Either::Left(rest.to_owned()));
    parts
        .into_iter()
        .map(|part| match part {
            Either::Left(text) => Either::Left(text),
            Either::Right(digest) => {
                let href = format!("#raw-{}", digest.replace(':', "-"));
                Either::Right(view! { <a href=href>{digest}</a> })
            }
        })
        .collect_view()
}
