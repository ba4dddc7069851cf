//! The Report's summary and the match line for the visitor's platform.

use leptos::prelude::*;

use super::Copy;
use fathom_core::report::{human_size, Report};

#[component]
pub(crate) fn Summary(report: Box<Report>) -> impl IntoView {
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
pub(crate) fn MatchNote(report: Box<Report>) -> impl IntoView {
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
