//! The page's side of the file worker (`web/files`): started when a user opens an
//! image's files or an image archive, ended when they cancel or leave the view. The worker's loader is a file of the
//! build whose name carries its hash; the build names it in `<meta name="fathom-files-worker">`.

use std::cell::RefCell;
use std::rc::Rc;

use fathom_browser::files::{Answer, Ask};
use js_sys::Uint8Array;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{File, MessageEvent, Worker};

/// The `<meta>` the build names the worker's loader in.
const LOADER_META: &str = "meta[name=fathom-files-worker]";

/// A running file worker.
pub(crate) struct FilesWorker {
    worker: Worker,
    /// Messages posted before the worker said it is ready (a message a worker gets before its
    /// wasm is loaded would be lost); `None` once it is.
    waiting: Rc<RefCell<Option<Vec<JsValue>>>>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(JsValue)>,
}

impl FilesWorker {
    /// Starts the worker; `on_answer` hears everything it says.
    pub(crate) fn start(on_answer: impl Fn(Answer) + 'static) -> Result<FilesWorker, String> {
        let loader = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.query_selector(LOADER_META).ok().flatten())
            .and_then(|m| m.get_attribute("content"))
            .ok_or("this build of the page has no file worker")?;
        let worker = Worker::new(&loader).map_err(|e| format!("the file worker did not start: {e:?}"))?;
        let waiting = Rc::new(RefCell::new(Some(Vec::<JsValue>::new())));
        let on_answer = Rc::new(on_answer);
        let on_message = {
            let (waiting, worker, on_answer) = (waiting.clone(), worker.clone(), on_answer.clone());
            Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| match read(&event.data()) {
                Some(Answer::Ready) => {
                    for message in waiting.borrow_mut().take().unwrap_or_default() {
                        let _ = worker.post_message(&message);
                    }
                }
                Some(answer) => on_answer(answer),
                None => on_answer(Answer::Failed {
                    message: "the file worker said something the page cannot read".into(),
                }),
            })
        };
        let on_error = Closure::<dyn FnMut(JsValue)>::new(move |_| {
            on_answer(Answer::Failed {
                message: "the file worker failed (its script or wasm did not load, or it ran out of memory)".into(),
            })
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(FilesWorker {
            worker,
            waiting,
            _on_message: on_message,
            _on_error: on_error,
        })
    }

    /// Starts a worker for `ask`: gives it `archive` when the image is read from one, and asks
    /// `ask` with the registry endpoints this page reaches through the edge's proxy.
    pub(crate) fn asking(
        mut ask: Ask,
        archive: Option<&File>,
        on_answer: impl Fn(Answer) + 'static,
    ) -> Result<FilesWorker, String> {
        let worker = FilesWorker::start(on_answer)?;
        if let Some(file) = archive {
            worker.give(file);
        }
        if let Ask::Open { proxied, .. } | Ask::Attest { proxied, .. } | Ask::Verify { proxied, .. } = &mut ask {
            *proxied = crate::fetch::proxied_endpoints();
        }
        worker.ask(&ask);
        Ok(worker)
    }

    /// Asks the worker `ask` (once it is ready).
    pub(crate) fn ask(&self, ask: &Ask) {
        if let Ok(text) = serde_json::to_string(ask) {
            self.post(JsValue::from(text));
        }
    }

    /// Gives the worker an image archive to read (the `File` itself: nothing is copied, and
    /// nothing leaves the browser).
    pub(crate) fn give(&self, file: &File) {
        self.post(file.clone().into());
    }

    fn post(&self, message: JsValue) {
        match self.waiting.borrow_mut().as_mut() {
            Some(queue) => queue.push(message),
            None => {
                let _ = self.worker.post_message(&message);
            }
        }
    }
}

/// A worker's message: an answer's JSON, or (for [`Answer::Fetched`]) the JSON and the body's
/// bytes in an array.
fn read(data: &JsValue) -> Option<Answer> {
    if let Some(text) = data.as_string() {
        return Answer::read(&text);
    }
    let parts = data.dyn_ref::<js_sys::Array>()?;
    match Answer::read(&parts.get(0).as_string()?)? {
        Answer::Fetched(mut fetched) => {
            fetched.body = parts.get(1).dyn_into::<Uint8Array>().ok()?.to_vec();
            Some(Answer::Fetched(fetched))
        }
        _ => None,
    }
}

impl Drop for FilesWorker {
    /// Ends the worker and every stream it has open.
    fn drop(&mut self) {
        self.worker.terminate();
    }
}
