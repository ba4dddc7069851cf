//! The platform table: one row per index entry, verified marks, the row the visitor pulls.

use leptos::prelude::*;

use super::{short, Copy};
use crate::urls::compare_url;
use fathom_core::report::{human_size, EntryKind, PlatformEntry, Report};
use fathom_core::Platform;

/// A row named as the files and attestation views name it: its platform and short digest.
pub(crate) fn row_title(entry: &PlatformEntry) -> String {
    format!("{} {}", row_label(entry), short(&entry.descriptor.digest))
}

pub(crate) fn platform_cells(entry: &PlatformEntry) -> [String; 4] {
    let p = entry.platform.clone().unwrap_or_default();
    [p.os, p.architecture, p.variant, p.os_version]
}

#[component]
pub(crate) fn PlatformTable(
    report: Box<Report>,
    show_attestations: RwSignal<bool>,
    /// Whether the rows link to a comparison on the registry (not for an archive's images).
    #[prop(default = true)]
    comparable: bool,
) -> impl IntoView {
    let chosen = report.platform_match.as_ref().and_then(|m| m.chosen);
    let rows = report.platforms.clone();
    // Each image compares with the first one (the layers two platforms share).
    let repository = format!("{}/{}", report.reference.registry, report.reference.repository);
    let first = rows
        .iter()
        .filter(|_| comparable)
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

pub(crate) fn row_label(entry: &PlatformEntry) -> String {
    entry
        .platform
        .as_ref()
        .map(Platform::format_all)
        .unwrap_or_else(|| "(no platform)".to_owned())
}
