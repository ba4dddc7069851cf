//! Listing a repository's tags, following `Link` pagination, as an I/O-free walk.

use super::http::{HttpResponse, TransportError};
use super::remote::Remote;
use super::request::{self, Endpoint, MAX_TAG_PAGE};
use super::session::{Failure, Outcome, RequestId, Session, Step, Walk};
use super::HttpRequest;
use crate::reference::Reference;

/// Pages followed at most (a registry that links in circles cannot keep the walk going).
pub const MAX_PAGES: u32 = 1000;

/// A repository's tags.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Tags {
    /// `registry/repository`.
    pub name: String,
    /// Every tag, in the registry's order.
    pub tags: Vec<String>,
    /// Pages read.
    pub pages: u32,
    /// Where the next page is, when the walk stopped at a page limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

impl Tags {
    /// The page of at most `size` tags after `last`, cut from what the registry answered, and
    /// whether more follow — alike for registries that honour `n` and `last` and for those that
    /// ignore them and answer every tag at once (distribution 2.x does). What the edge's
    /// `/api/v1/tags` and the page's tag list show.
    pub fn page_after(&self, last: Option<&str>, size: usize) -> (Vec<String>, bool) {
        let start = last
            .and_then(|l| self.tags.iter().position(|t| t == l))
            .map_or(0, |at| at + 1);
        let rest = &self.tags[start..];
        let page: Vec<String> = rest.iter().take(size).cloned().collect();
        let more = self.next.is_some() || rest.len() > size;
        (page, more)
    }
}

/// Where a listing starts and how many tags a page holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Page {
    /// Tags per page (`n`); the registry's default when `None`.
    pub size: Option<u32>,
    /// Start after this tag (`last`); from the first tag when `None`.
    pub last: Option<String>,
}

#[derive(serde::Deserialize)]
struct TagPage {
    #[serde(default)]
    tags: Option<Vec<String>>,
}

/// The tag listing walk.
#[derive(Debug)]
pub struct TagList {
    session: Session<()>,
    endpoint: Endpoint,
    result: Tags,
    max_pages: u32,
    failed: Option<Failure>,
    finished: bool,
}

impl TagList {
    /// Lists the tags of `reference`'s repository, reading at most `max_pages` pages of
    /// `page_size` tags (the registry's default when `None`), from the start or after tag `last`.
    pub fn new(reference: &Reference, page: Page, max_pages: u32, remote: &Remote) -> TagList {
        let endpoint = remote.endpoint().clone();
        let scope = format!("repository:{}:pull", reference.repository());
        let mut session = Session::new(remote, &scope, &reference.name());
        session.enqueue(
            (),
            request::tags(&endpoint, reference.repository(), page.size, page.last.as_deref()),
        );
        TagList {
            session,
            endpoint,
            result: Tags {
                name: reference.name(),
                tags: Vec::new(),
                pages: 0,
                next: None,
            },
            max_pages: max_pages.clamp(1, MAX_PAGES),
            failed: None,
            finished: false,
        }
    }

    fn on_page(&mut self, response: &HttpResponse) {
        self.result.pages += 1;
        match serde_json::from_slice::<TagPage>(&response.body) {
            Ok(page) => self.result.tags.extend(page.tags.unwrap_or_default()),
            Err(e) => {
                self.failed = Some(Failure {
                    kind: super::session::ErrorKind::BadUpstream,
                    message: format!("{}: the tag list is not valid JSON: {e}", self.result.name),
                    retry_after: None,
                });
                return;
            }
        }
        if let Some(next) = request::next_page(&self.endpoint, response) {
            if self.result.pages >= self.max_pages {
                self.result.next = Some(next);
            } else {
                self.session.enqueue((), HttpRequest::get(next, MAX_TAG_PAGE));
            }
        }
    }
}

impl Walk for TagList {
    type Output = Tags;

    fn poll(&mut self) -> Option<Step<Tags>> {
        let result = &self.result;
        self.session
            .poll_walk(&mut self.finished, &mut self.failed, |_| result.clone())
    }

    fn feed(&mut self, id: RequestId, outcome: Result<HttpResponse, TransportError>) {
        for outcome in self.session.feed(id, outcome) {
            match outcome {
                Outcome::Response((), _, response) if response.is_success() => self.on_page(&response),
                Outcome::Response((), _, response) => {
                    self.failed = Some(Failure::from_response(&response, &self.result.name));
                    self.session.abandon();
                }
                Outcome::Failed((), failure) => {
                    self.failed = Some(failure);
                    self.session.abandon();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(walk: TagList, mut answer: impl FnMut(&HttpRequest) -> HttpResponse) -> Result<Tags, Failure> {
        crate::testing::run(walk, 1, |request| Ok(answer(request)))
    }

    #[test]
    fn follows_link_pages() {
        let reference: Reference = "localhost:5000/demo/app".parse().unwrap();
        let tags = run(
            TagList::new(
                &reference,
                Page {
                    size: Some(2),
                    last: None,
                },
                10,
                &Remote::of(&reference),
            ),
            |r| {
                if r.url.ends_with("?n=2") {
                    HttpResponse::new(200, r#"{"name":"demo/app","tags":["1","2"]}"#)
                        .with_header("Link", r#"</v2/demo/app/tags/list?last=2&n=2>; rel="next""#)
                } else {
                    assert_eq!(r.url, "http://localhost:5000/v2/demo/app/tags/list?last=2&n=2");
                    HttpResponse::new(200, r#"{"name":"demo/app","tags":["3"]}"#)
                }
            },
        )
        .unwrap();
        assert_eq!(tags.tags, ["1", "2", "3"]);
        assert_eq!(tags.pages, 2);
        assert_eq!(tags.next, None);
    }

    #[test]
    fn stops_at_the_page_limit_and_reports_errors() {
        let reference: Reference = "localhost:5000/loop".parse().unwrap();
        let tags = run(
            TagList::new(&reference, Page::default(), 3, &Remote::of(&reference)),
            |_| {
                HttpResponse::new(200, r#"{"tags":["x"]}"#)
                    .with_header("Link", r#"</v2/loop/tags/list?last=x>; rel="next""#)
            },
        )
        .unwrap();
        assert_eq!(tags.pages, 3);
        assert!(tags.next.is_some());
        let err = run(
            TagList::new(&reference, Page::default(), 3, &Remote::of(&reference)),
            |_| {
                HttpResponse::new(
                    404,
                    r#"{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}"#,
                )
            },
        )
        .unwrap_err();
        assert!(
            err.message.starts_with("localhost:5000/loop: repository not found"),
            "{err}"
        );
    }

    #[test]
    fn pages_are_cut_alike_whether_the_registry_honours_n_and_last_or_not() {
        let tags = |list: &[&str], next: Option<&str>| Tags {
            name: "r/a".into(),
            tags: list.iter().map(|t| t.to_string()).collect(),
            pages: 1,
            next: next.map(str::to_owned),
        };
        // distribution 2.x: every tag, whatever `n` and `last` said.
        let all = tags(&["1", "2", "3", "4", "5"], None);
        assert_eq!(all.page_after(None, 2), (vec!["1".into(), "2".into()], true));
        assert_eq!(all.page_after(Some("2"), 2), (vec!["3".into(), "4".into()], true));
        assert_eq!(all.page_after(Some("4"), 2), (vec!["5".into()], false));
        // A registry that honours them: the page it sent, and its Link says whether more follow.
        let honoured = tags(&["3", "4"], Some("/v2/a/tags/list?last=4&n=2"));
        assert_eq!(honoured.page_after(Some("2"), 2), (vec!["3".into(), "4".into()], true));
        assert_eq!(tags(&["5"], None).page_after(Some("4"), 2), (vec!["5".into()], false));
    }

    /// A loopback registry is spoken to over plain HTTP, and so is its token service: the
    /// credentials go to it, as they do for inspect (the plain-HTTP decision comes from the
    /// endpoint, not from options a face passes through).
    #[test]
    fn credentials_reach_the_plain_http_token_service_of_a_loopback_registry() {
        let reference: Reference = "127.0.0.1:5557/demo/busybox".parse().unwrap();
        let remote = Remote::of(&reference).with_credentials(Some(crate::registry::Credentials {
            username: "fathom".into(),
            password: "fathom-demo".into(),
        }));
        let mut token_asked_with = None;
        let tags = run(
            TagList::new(&reference, Page::default(), 1, &remote),
            |r| {
                if r.url.starts_with("http://127.0.0.1:5558/token") {
                    token_asked_with = r.header("authorization").map(str::to_owned);
                    return HttpResponse::new(200, r#"{"token":"t"}"#);
                }
                assert_eq!(r.url, "http://127.0.0.1:5557/v2/demo/busybox/tags/list");
                match r.header("authorization") {
                    Some("Bearer t") => HttpResponse::new(200, r#"{"name":"demo/busybox","tags":["oci"]}"#),
                    _ => HttpResponse::new(401, "").with_header(
                        "WWW-Authenticate",
                        r#"Bearer realm="http://127.0.0.1:5558/token",service="fathom-demo",scope="repository:demo/busybox:pull""#,
                    ),
                }
            },
        )
        .unwrap();
        assert_eq!(tags.tags, ["oci"]);
        assert_eq!(token_asked_with.as_deref(), Some("Basic ZmF0aG9tOmZhdGhvbS1kZW1v"));
    }
}
