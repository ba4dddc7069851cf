//! Per-image details and the raw manifests (the exact bytes the page hashed).

use leptos::prelude::*;

use super::{pairs, row_label, short};
use crate::fetch;
use fathom_core::report::{human_size, PlatformEntry, Report};
use leptos::either::Either;

/// Each image's detail: config, history, layers, annotations — all as text, never as markup.
#[component]
pub(crate) fn Details(report: Box<Report>) -> impl IntoView {
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

/// A disclosure that renders [`RawJson`] only once opened (the table is not kept waiting).
#[component]
pub(crate) fn RawDetails(class: &'static str, label: &'static str, digest: String) -> impl IntoView {
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
pub(crate) fn RawJson(digest: String) -> impl IntoView {
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
pub(crate) fn linked_digests(text: &str) -> impl IntoView {
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
