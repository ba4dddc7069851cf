//! # fathom-files
//!
//! The web app's file worker, a Web Worker with a wasm of its own, loaded only when a user opens
//! an image's files: it streams each layer from the registry (directly, or through the edge's
//! proxy) into the core's layer reader — digest, diff_id, tar — reports its progress, keeps the
//! merged filesystem, and answers what the page asks of it ([`fathom_browser::files`]). The page never
//! stalls while a layer streams, and its own first load carries none of this.

mod reading;
mod showing;
mod view;

use std::cell::RefCell;
use std::rc::Rc;

use fathom_browser::files::{Answer, Ask};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use reading::Opened;

thread_local! {
    /// The image read last, which [`Ask::Show`] asks about.
    static OPENED: RefCell<Option<Rc<Opened>>> = const { RefCell::new(None) };
}

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// Posts `answer` to the page.
fn answer(answer: &Answer) {
    if let Ok(text) = serde_json::to_string(answer) {
        let _ = scope().post_message(&JsValue::from(text));
    }
}

fn main() {
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(|event: MessageEvent| {
        let Some(text) = event.data().as_string() else { return };
        match serde_json::from_str::<Ask>(&text) {
            Ok(ask) => wasm_bindgen_futures::spawn_local(handle(ask)),
            Err(e) => answer(&Answer::Failed {
                message: format!("the file worker cannot read the page's message: {e}"),
            }),
        }
    });
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    answer(&Answer::Ready);
}

async fn handle(ask: Ask) {
    match ask {
        Ask::Open {
            reference,
            layers,
            proxied,
        } => {
            fathom_browser::fetch::assume_proxied(proxied);
            let mut told = |tally| answer(&Answer::Progress(view::progress(&tally)));
            match reading::open(&reference, layers, &mut told).await {
                Ok(opened) => {
                    let shown = view::opened(&opened);
                    OPENED.with(|o| *o.borrow_mut() = Some(Rc::new(opened)));
                    answer(&Answer::Opened(shown));
                }
                Err(message) => answer(&Answer::Failed { message }),
            }
        }
        Ask::Show { path, layer } => {
            let Some(opened) = OPENED.with(|o| o.borrow().clone()) else {
                return answer(&Answer::Failed {
                    message: "no image is open in the file worker".into(),
                });
            };
            answer(&Answer::Shown(showing::show(&opened, &path, layer).await));
        }
    }
}
