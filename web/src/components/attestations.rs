//! What the image a platform pulls says of itself: its SLSA provenance (who built it, when, from
//! which repository and commit, on which base images — each a link to its own view) and its SBOM
//! (packages, searchable in the page), read by the file worker from the attestation manifests
//! that describe the image, from the SBOM documents attached to the top manifest as referrers,
//! and from cosign's `.att` attestations — each statement checked against its digest and against
//! the image, a failure shown loudly. `&attest=1` in the URL opens it, so a link reopens it.

use fathom_browser::files::{Answer, Ask, AttestedView, Row};
use fathom_core::attestation;
use fathom_core::report::{LayerInfo, Report};
use fathom_core::Reference;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use web_sys::File;

use super::{row_title, worker_answer};
use crate::files_client::FilesWorker;
use crate::urls::{here_with, state_url};
use crate::walk::{walk, Progress};

/// The link to an image's attestations, or what they say when the URL opens them.
#[component]
pub(crate) fn Attestations(
    report: Box<Report>,
    /// The archive the image is read from, instead of its registry.
    archive: Option<File>,
) -> impl IntoView {
    let query = use_query_map();
    let (row, _) = report.pulled_image()?;
    let layers = attestation::layers_of(&report, row);
    let referrers = if archive.is_some() {
        Vec::new()
    } else {
        attestation::sbom_referrers(&report)
    };
    // From a registry the panel is always offered: cosign's `.att` attestations are found only
    // by looking (a request the page makes when asked, not on every view).
    if archive.is_some() && layers.is_empty() {
        return None;
    }
    let entry = &report.platforms[row];
    let label = row_title(entry);
    let ask = Ask::Attest {
        reference: report.reference.canonical.clone(),
        image: entry.descriptor.digest.clone(),
        layers,
        documents: Vec::new(),
        proxied: Vec::new(),
        archive: archive.is_some(),
    };
    let is_open = Memo::new(move |_| query.with(|q| q.get("attest").is_some()));
    let archive = StoredValue::new_local(archive);
    Some(move || {
        if is_open.get() {
            view! {
                <AttestationsPanel ask=ask.clone() referrers=referrers.clone() label=label.clone()
                    archive=archive.get_value() />
            }
            .into_any()
        } else {
            let href = query.with(|q| here_with(q, &[("attest", Some("1".into()))]));
            view! {
                <p class="attest-link">
                    <a id="open-attestations" href=href>{format!("Provenance and SBOM of {label}")}</a>
                    " — read from its attestations and checked against it in this page"
                </p>
            }
            .into_any()
        }
    })
}

/// The SBOM document layers of `referrers` (digests of the top manifest's referrers), each
/// referrer's manifest walked by this page — which carries the walk anyway, where the file
/// worker would carry a second copy.
async fn referrer_documents(reference: &str, referrers: &[String]) -> Result<Vec<(String, LayerInfo)>, String> {
    let name = Reference::parse(reference).map_err(|e| e.to_string())?.name();
    let mut documents = Vec::new();
    for referrer in referrers {
        let input = format!("{name}@{referrer}");
        let parsed = Reference::parse(&input).map_err(|e| format!("{input}: {e}"))?;
        let report = walk(&input, parsed, None, RwSignal::new(Progress::default()))
            .await
            .map_err(|f| f.message)?;
        documents.extend(
            attestation::sbom_documents(&report)
                .into_iter()
                .map(|layer| (referrer.clone(), layer)),
        );
    }
    Ok(documents)
}

#[component]
fn AttestationsPanel(ask: Ask, referrers: Vec<String>, label: String, archive: Option<File>) -> impl IntoView {
    let query = use_query_map();
    let state = RwSignal::new(None::<Result<AttestedView, String>>);
    let worker = StoredValue::new_local(None::<FilesWorker>);
    let archive = StoredValue::new_local(archive);
    Effect::new(move |_| {
        let (mut ask, referrers) = (ask.clone(), referrers.clone());
        wasm_bindgen_futures::spawn_local(async move {
            if let Ask::Attest {
                reference, documents, ..
            } = &mut ask
            {
                match referrer_documents(reference, &referrers).await {
                    Ok(found) => *documents = found,
                    Err(message) => return state.set(Some(Err(message))),
                }
            }
            let on_answer = move |answer: Answer| match answer {
                Answer::Attested(view) => state.set(Some(Ok(view))),
                Answer::Failed { message } => state.set(Some(Err(message))),
                _ => {}
            };
            match FilesWorker::asking(ask, archive.get_value().as_ref(), on_answer) {
                Ok(started) => worker.set_value(Some(started)),
                Err(message) => state.set(Some(Err(message))),
            }
        });
    });
    on_cleanup(move || worker.set_value(None));
    let close = move || query.with(|q| here_with(q, &[("attest", None)]));
    view! {
        <section class="attestations" id="attestations" aria-live="polite">
            <h2>"Provenance and SBOM of " {label}</h2>
            <p><a id="close-attestations" href=close>"Close"</a></p>
            {worker_answer(state, "attest", "Reading the attestations…", "The attestations could not be read",
                |view| view! { <Said view /> })}
        </section>
    }
}

/// The statements' problems (loudly), the provenance, the base images, the SBOM.
#[component]
fn Said(view: AttestedView) -> impl IntoView {
    let search = RwSignal::new(String::new());
    let packages = view.packages;
    let shown = move || {
        // ASCII case only: Unicode's tables would cost the page's wasm 3 KB (measured).
        let wanted = search.get().to_ascii_lowercase();
        packages
            .iter()
            .filter(|p| {
                wanted.is_empty()
                    || p.cells
                        .iter()
                        .chain(&p.opens)
                        .any(|c| c.to_ascii_lowercase().contains(&wanted))
            })
            .map(|p| view! { <tr>{p.cells.iter().map(|c| view! { <td>{c.clone()}</td> }).collect_view()}</tr> })
            .collect_view()
    };
    view! {
        {(view.problems.is_empty() && view.provenance.is_empty() && view.sbom.is_none()).then(|| view! {
            <p id="attest-none">"No attestation describes this image: no attestation manifest in its index, no SBOM referrer, no cosign attestation (.att)."</p>
        })}
        {(!view.problems.is_empty()).then(|| view! {
            <div class="error" role="alert" id="attest-problems">
                <h2>"Attestations that fail their check — do not trust what they say"</h2>
                <ul>{view.problems.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}</ul>
            </div>
        })}
        {(!view.provenance.is_empty()).then(|| view! {
            <table class="provenance" id="provenance">
                <caption>"Provenance"</caption>
                <tbody>{view.provenance.into_iter().map(labelled).collect_view()}</tbody>
            </table>
        })}
        {(!view.materials.is_empty()).then(|| view! {
            <table class="materials" id="materials">
                <caption>"Built from"</caption>
                <tbody>{view.materials.into_iter().map(material).collect_view()}</tbody>
            </table>
        })}
        {view.sbom.map(|sentence| view! {
            <h3>"SBOM"</h3>
            <p id="sbom-summary">{sentence}</p>
            <label for="sbom-search">"Search the packages "</label>
            <input id="sbom-search" type="search" placeholder="name, version, ecosystem, licence, supplier, purl"
                on:input=move |ev| search.set(event_target_value(&ev)) />
            <table class="packages" id="packages">
                <thead><tr><th>"Name"</th><th>"Version"</th><th>"Ecosystem"</th><th>"Licence"</th><th>"Supplier"</th></tr></thead>
                <tbody>{shown}</tbody>
            </table>
        })}
    }
}

/// A provenance row: its label, and its value — a link to the value's page when it has one.
fn labelled(row: Row) -> impl IntoView {
    let [label, value] = <[String; 2]>::try_from(row.cells).unwrap_or_default();
    let value = match row.opens {
        Some(url) => view! { <a href=url rel="noopener noreferrer" target="_blank">{value}</a> }.into_any(),
        None => value.into_any(),
    };
    view! { <tr><th scope="row">{label}</th><td>{value}</td></tr> }
}

/// A material: a base image (a link to its own view) or another source.
fn material(row: Row) -> impl IntoView {
    let [shown, detail] = <[String; 2]>::try_from(row.cells).unwrap_or_default();
    let shown = match row.opens {
        Some(reference) => view! { <a class="base-image" href=state_url(&reference, "", None)>{shown}</a> }.into_any(),
        None => view! { <code>{shown}</code> }.into_any(),
    };
    view! { <tr><td>{shown}</td><td>{detail}</td></tr> }
}
