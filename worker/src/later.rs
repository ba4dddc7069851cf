//! Work for after the answer (`waitUntil`), handed to the runtime only once the answer is built.
//! A cold walk keeps what it fetched in the edge cache afterwards — 130 Cache API writes for a
//! 128-platform index — and begun as soon as the walk ended, those writes would share the
//! isolate with the rest of the answer (the Report kept, the coalescer told, the JSON printed).

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;

use worker::Context;

/// Work collected while a request is answered.
#[derive(Default)]
pub struct Later(RefCell<Vec<Pin<Box<dyn Future<Output = ()>>>>>);

impl Later {
    /// Runs `work` once the answer is built (see [`Later::hand_to`]).
    pub fn defer(&self, work: impl Future<Output = ()> + 'static) {
        self.0.borrow_mut().push(Box::pin(work));
    }

    /// Hands what was deferred to the runtime, which runs it after the answer is out.
    pub fn hand_to(self, ctx: &Context) {
        for work in self.0.into_inner() {
            ctx.wait_until(work);
        }
    }
}
