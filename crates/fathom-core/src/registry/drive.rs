//! Running a walk to its end with an asynchronous `send`: every request the walk hands out is in
//! flight at once, on whatever executor drives the returned future (tokio in the CLI, workerd at
//! the edge, the browser's event loop in the web app). The core still does no I/O: `send` does.

use std::future::Future;

use futures_util::stream::{FuturesUnordered, StreamExt};

use super::http::{HttpRequest, HttpResponse, TransportError};
use super::session::{ErrorKind, Failure, Step, Walk};

/// Runs `walk`, sending each request it asks for with `send`, and returns its outcome.
pub async fn run<W, S, F>(mut walk: W, send: S) -> Result<W::Output, Failure>
where
    W: Walk,
    S: Fn(HttpRequest) -> F,
    F: Future<Output = Result<HttpResponse, TransportError>>,
{
    let mut in_flight = FuturesUnordered::new();
    loop {
        while let Some(step) = walk.poll() {
            match step {
                Step::Send(id, request) => {
                    let response = send(request);
                    in_flight.push(async move { (id, response.await) });
                }
                Step::Done(result) => return result,
            }
        }
        match in_flight.next().await {
            Some((id, outcome)) => walk.feed(id, outcome),
            None => {
                return Err(Failure {
                    kind: ErrorKind::BadUpstream,
                    message: "the walk waits for a response that was never requested".into(),
                    retry_after: None,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::Reference;
    use crate::registry::tags::{Page, TagList};
    use crate::registry::Remote;
    use crate::testing::block_on;

    #[test]
    fn runs_a_walk_through_an_async_send() {
        let reference: Reference = "localhost:5000/app".parse().unwrap();
        let walk = TagList::new(&reference, Page::default(), 10, &Remote::of(&reference));
        let sent = std::cell::RefCell::new(Vec::new());
        let tags = block_on(run(walk, |request| {
            sent.borrow_mut().push(request.url.clone());
            async move {
                if request.url.contains("last=b") {
                    return Ok(HttpResponse::new(200, r#"{"tags":["c"]}"#));
                }
                Ok(HttpResponse::new(200, r#"{"tags":["a","b"]}"#)
                    .with_header("Link", r#"</v2/app/tags/list?last=b>; rel="next""#))
            }
        }))
        .unwrap();
        assert_eq!(tags.tags, ["a", "b", "c"]);
        assert_eq!(sent.borrow().len(), 2);
        let failed = block_on(run(
            TagList::new(&reference, Page::default(), 1, &Remote::of(&reference)),
            |_| async {
                Err(TransportError::Refused {
                    code: "host-not-allowed".into(),
                    message: "not on the list".into(),
                })
            },
        ))
        .unwrap_err();
        assert_eq!(failed.kind, ErrorKind::Refused);
    }
}
