//! Findings, and what to do with the Report (share, download).

use crate::browser;
use crate::urls::state_url;
use fathom_core::report::Report;
use leptos::prelude::*;

#[component]
pub(crate) fn Findings(report: Box<Report>) -> impl IntoView {
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
pub(crate) fn Actions(
    report: Box<Report>,
    /// Whether a link can reopen the view (not for an archive, which only this tab holds).
    #[prop(default = true)]
    shareable: bool,
) -> impl IntoView {
    let json = {
        let mut text = serde_json::to_string_pretty(&*report).unwrap_or_default();
        text.push('\n');
        text
    };
    let share = report.digest.clone().filter(|_| shareable).map(|digest| {
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
