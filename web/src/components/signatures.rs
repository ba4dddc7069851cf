//! The signatures of an image — cosign's, under the `sha256-<hex>.sig` tag and among its
//! referrers — found and checked by the file worker with the public key the user pastes or
//! loads from a file — or, for keyless signatures, with a Sigstore trusted root loaded from a
//! file and the identity and OIDC issuer expected. The key stays in the page (not in the URL, not sent anywhere); the badge
//! says verified (by which key), unverified (no key given), unsigned, or invalid (red, with
//! every failed check). `&sig=1` in the URL opens it, so a link reopens it.

use fathom_browser::files::{Answer, Ask, Keyless, SignedView};
use fathom_core::report::Report;
use fathom_core::signature;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use wasm_bindgen::JsCast;

use super::worker_answer;
use crate::files_client::FilesWorker;
use crate::urls::here_with;

/// The link to an image's signatures, or the check when the URL opens it. Images of an
/// archive have none to look up.
#[component]
pub(crate) fn Signatures(report: Box<Report>, from_archive: bool) -> impl IntoView {
    let query = use_query_map();
    // Signatures of bytes that failed their check (another digest than the one asked for)
    // would vouch for what the registry swapped in.
    if from_archive || report.failed_check().is_some() {
        return None;
    }
    let subjects: Vec<String> = signature::subjects_of(&report, false)
        .iter()
        .map(ToString::to_string)
        .collect();
    if subjects.is_empty() {
        return None;
    }
    let reference = report.reference.canonical.clone();
    let is_open = Memo::new(move |_| query.with(|q| q.get("sig").is_some()));
    Some(move || {
        if is_open.get() {
            view! { <SignaturesPanel reference=reference.clone() subjects=subjects.clone() /> }.into_any()
        } else {
            let href = query.with(|q| here_with(q, &[("sig", Some("1".into()))]));
            view! {
                <p class="attest-link">
                    <a id="open-signatures" href=href>"Signatures"</a>
                    " — cosign's, checked in this page with the key you give"
                </p>
            }
            .into_any()
        }
    })
}

#[component]
fn SignaturesPanel(reference: String, subjects: Vec<String>) -> impl IntoView {
    let query = use_query_map();
    // The key as pasted or loaded: in this page's memory only.
    let key = RwSignal::new(String::new());
    let root = RwSignal::new(String::new());
    let identity = RwSignal::new(String::new());
    let issuer = RwSignal::new(String::new());
    let state = RwSignal::new(None::<Result<SignedView, String>>);
    let worker = StoredValue::new_local(None::<FilesWorker>);
    let asked = StoredValue::new((reference, subjects));
    let check = move |key: Option<String>, keyless: Option<Keyless>| {
        state.set(None);
        let (reference, subjects) = asked.get_value();
        let ask = Ask::Verify {
            reference,
            subjects,
            key,
            keyless,
            proxied: Vec::new(),
        };
        let on_answer = move |answer: Answer| match answer {
            Answer::Signed(view) => state.set(Some(Ok(view))),
            Answer::Failed { message } => state.set(Some(Err(message))),
            _ => {}
        };
        match FilesWorker::asking(ask, None, on_answer) {
            Ok(started) => worker.set_value(Some(started)),
            Err(message) => state.set(Some(Err(message))),
        }
    };
    // What is attached is looked up at once; a key checks it.
    Effect::new(move |_| check(None, None));
    on_cleanup(move || worker.set_value(None));
    // A file's text into `into` (a key, a trusted root): read here, kept here.
    let load = move |into: RwSignal<String>| {
        move |ev: web_sys::Event| {
            let file = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
                .and_then(|input| input.files())
                .and_then(|files| files.get(0));
            if let Some(file) = file {
                wasm_bindgen_futures::spawn_local(async move {
                    if let Ok(text) = wasm_bindgen_futures::JsFuture::from(file.text()).await {
                        into.set(text.as_string().unwrap_or_default());
                    }
                });
            }
        }
    };
    let submit = move || {
        let pasted = key.get_untracked();
        if !pasted.trim().is_empty() || root.get_untracked().is_empty() {
            return check(Some(pasted), None);
        }
        check(
            None,
            Some(Keyless {
                trusted_root: root.get_untracked(),
                identity: identity.get_untracked(),
                issuer: issuer.get_untracked(),
            }),
        );
    };
    let close = move || query.with(|q| here_with(q, &[("sig", None)]));
    view! {
        <section class="signatures" id="signatures" aria-live="polite">
            <h2>"Signatures"</h2>
            <p><a id="close-signatures" href=close>"Close"</a></p>
            <form on:submit=move |ev| {
                ev.prevent_default();
                submit();
            }>
                <label for="signature-key">"The signer's public key (PEM, as cosign.pub) — it stays in this page"</label>
                <textarea id="signature-key" rows="4" placeholder="-----BEGIN PUBLIC KEY-----"
                    prop:value=move || key.get() on:input=move |ev| key.set(event_target_value(&ev))></textarea>
                <input type="file" id="signature-key-file" aria-label="Load the key from a file" on:change=load(key) />
                <details id="keyless">
                    <summary>"Or keyless (Sigstore): a trusted root and who must have signed"</summary>
                    <input type="file" id="signature-root-file" aria-label="Load the trusted root (trusted_root.json)" on:change=load(root) />
                    {move || (!root.get().is_empty()).then(|| view! { <span id="signature-root-loaded">"trusted root loaded"</span> })}
                    <input type="text" id="signature-identity" placeholder="identity: https://github.com/org/repo/.github/workflows/release.yaml@refs/heads/main"
                        on:input=move |ev| identity.set(event_target_value(&ev)) />
                    <input type="text" id="signature-issuer" placeholder="OIDC issuer: https://token.actions.githubusercontent.com"
                        on:input=move |ev| issuer.set(event_target_value(&ev)) />
                </details>
                <button type="submit" id="verify-signatures">"Verify"</button>
            </form>
            {worker_answer(state, "signature", "Looking up the signatures…", "The signatures could not be checked",
                |view| view! { <Checked view /> })}
        </section>
    }
}

/// The badge, every failed check (loudly), and a row per signature.
#[component]
fn Checked(view: SignedView) -> impl IntoView {
    view! {
        <p class=format!("badge {}", view.verdict) id="signature-badge" role="status">{view.headline}</p>
        {(!view.problems.is_empty()).then(|| view! {
            <div class="error" role="alert" id="signature-problems">
                <h2>"Signatures that fail their check — do not trust this image's signatures"</h2>
                <ul>{view.problems.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}</ul>
            </div>
        })}
        {(!view.signatures.is_empty()).then(|| view! {
            <table class="packages" id="signature-list">
                <thead><tr><th>"Of"</th><th>"Found by"</th><th>"Payload"</th><th>"Signed as"</th><th>"Verdict"</th></tr></thead>
                <tbody>{view.signatures.into_iter().map(|r| view! {
                    <tr class=r.class>{r.cells.into_iter().map(|c| view! { <td>{c}</td> }).collect_view()}</tr>
                }).collect_view()}</tbody>
            </table>
        })}
    }
}
