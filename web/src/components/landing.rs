//! What a visitor sees before asking anything, and where to start.

use crate::browser;
use crate::urls::state_url;
use leptos::prelude::*;

/// What a visitor sees before asking anything: what Fathom answers, and why to trust it.
#[component]
pub(crate) fn Landing() -> impl IntoView {
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
            <p id="open-archive">"No registry at hand? " <a href="/archive">"Open an image archive"</a>
                " (" <code>"docker save"</code> ", " <code>"oci-archive:"</code> ") — or drop one anywhere on this page. It is read and verified here; nothing is uploaded."</p>
            <p class="muted">"The same core answers in the terminal (" <code>"fathom inspect"</code> ") and at the edge (" <a href="/api/v1/openapi.json">"/api/v1/inspect"</a> "); registries that send no CORS headers are read through this site's locked-down proxy."</p>
        </section>
    }
}

#[component]
pub(crate) fn Examples() -> impl IntoView {
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
