//! # fathom-files
//!
//! The web app's file worker, a Web Worker with a wasm of its own, loaded only when a user opens
//! an image's files: it streams each layer from the registry (directly, or through the edge's
//! proxy) into the core's layer reader — digest, diff_id, tar — reports its progress, keeps the
//! merged filesystem, and answers what the page asks of it ([`fathom_browser::files`]). The page never
//! stalls while a layer streams, and its own first load carries none of this. Given an image
//! archive (a `File`), it answers the page's registry requests from it, and reads layers from it.
//! Asked for an image's attestations, it fetches and reads them (provenance, SBOM); asked for
//! its signatures, it finds them and checks them with the key the user gave.

mod archive;
mod attesting;
mod reading;
mod showing;
mod signing;
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

/// Posts `answer` to the page: its JSON text, or — for a [`Answer::Fetched`], whose body is
/// bytes — the text and the body's bytes in an array (structured clone carries them as they are).
fn answer(answer: &Answer) {
    let Ok(text) = serde_json::to_string(answer) else {
        return;
    };
    let message = match answer {
        Answer::Fetched(fetched) => {
            js_sys::Array::of2(&JsValue::from(text), &js_sys::Uint8Array::from(fetched.body.as_slice())).into()
        }
        _ => JsValue::from(text),
    };
    let _ = scope().post_message(&message);
}

fn main() {
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(|event: MessageEvent| {
        let data = event.data();
        // The page gives an archive as the `File` itself; everything else is an `Ask`'s JSON.
        if let Some(file) = data.dyn_ref::<web_sys::File>() {
            return answer(&Answer::Archive(archive::open(file.clone())));
        }
        let Some(text) = data.as_string() else { return };
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
            archive,
        } => {
            fathom_browser::fetch::assume_proxied(proxied);
            let mut told = |tally| answer(&Answer::Progress(view::progress(&tally)));
            match reading::open(&reference, layers, archive, &mut told).await {
                Ok(opened) => {
                    let shown = view::opened(&opened);
                    OPENED.with(|o| *o.borrow_mut() = Some(Rc::new(opened)));
                    answer(&Answer::Opened(shown));
                }
                Err(message) => answer(&Answer::Failed { message }),
            }
        }
        Ask::Attest {
            reference,
            image,
            layers,
            documents,
            proxied,
            archive,
        } => {
            fathom_browser::fetch::assume_proxied(proxied);
            match attesting::attest(&reference, &image, &layers, &documents, archive).await {
                Ok(view) => answer(&Answer::Attested(view)),
                Err(message) => answer(&Answer::Failed { message }),
            }
        }
        Ask::Verify {
            reference,
            subjects,
            key,
            keyless,
            proxied,
        } => {
            fathom_browser::fetch::assume_proxied(proxied);
            match signing::verify(&reference, &subjects, key.as_deref(), keyless.as_ref()).await {
                Ok(view) => answer(&Answer::Signed(view)),
                Err(message) => answer(&Answer::Failed { message }),
            }
        }
        Ask::Fetch {
            id,
            head,
            url,
            max_body,
        } => answer(&Answer::Fetched(archive::fetch(id, head, url, max_body))),
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
