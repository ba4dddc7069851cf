//! Request coalescing: the askers of one reference that the edge cannot answer from what it
//! keeps wait for **one** walk — a thundering herd on a new tag sends the registry one walk, not
//! one per request — through a Durable Object per repository, [`Coalescer`].
//!
//! Why a Durable Object: inside a Worker each request has its own I/O context, and workerd
//! refuses to let one request await what another request's handler started. A Durable Object
//! serves every request to it in one context, so one request can wait there for another
//! (Cloudflare, "Rules of Durable Objects": an object is single-threaded, its in-memory state
//! shared by all its requests). The object only arbitrates — it never talks to a registry:
//! - `turn`: the first asker of a key *leads* (walks, and keeps what it found in the Cache API
//!   as any walk does); askers meanwhile *follow*: they wait until the leader is done;
//! - `done`: the leader says so, with its problem when the walk failed; the followers then read
//!   the kept Report from the cache — or answer with the leader's problem. A failure's problem
//!   also answers the askers that come for [`REMEMBER_FAILURE_MS`] after it: the requests of a
//!   herd arrive spread over a moment, and a failed walk keeps nothing in the cache for the
//!   stragglers to read (a success does: they read it).
//!
//! It fails open: a follower that waited longer than a walk may take, or a worker that cannot
//! reach the object, walks alone.

use std::cell::RefCell;
use std::collections::HashMap;
use std::time::Duration;

use futures_channel::oneshot;
use futures_util::future::{select, Either};
use serde::{Deserialize, Serialize};
use worker::{
    durable_object, Date, Delay, DurableObject, Env, Method, ObjectNamespace, Request, RequestInit, Response, Result,
    State, Stub,
};

use crate::problem::Problem;

/// The binding of the [`Coalescer`] namespace in `wrangler.toml`.
pub const BINDING: &str = "COALESCER";

/// What the object answers a `turn`.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
#[serde(tag = "turn", rename_all = "lowercase")]
enum Answer {
    /// Walk, then say `done`.
    Lead,
    /// The leader is done: read what it kept, or answer with its problem.
    Follow { problem: Option<serde_json::Value> },
    /// Waited too long for the leader: walk without leading.
    Alone,
}

/// How long (ms) a failed walk's problem answers later askers of its key, as if they had waited
/// for that walk: a herd on a tag not pushed yet costs the registry one walk per this long.
pub const REMEMBER_FAILURE_MS: f64 = 2_000.0;

/// A key being walked: since when (ms), and who waits for it.
struct Lead {
    since: f64,
    waiters: Vec<oneshot::Sender<Option<serde_json::Value>>>,
}

/// The Durable Object: one per repository (the keys are its references as asked).
#[durable_object(fetch)]
pub struct Coalescer {
    leads: RefCell<HashMap<String, Lead>>,
    /// Keys whose last walk failed: when (ms), and its problem.
    failed: RefCell<HashMap<String, (f64, serde_json::Value)>>,
}

impl DurableObject for Coalescer {
    fn new(_state: State, _env: Env) -> Self {
        Coalescer {
            leads: RefCell::new(HashMap::new()),
            failed: RefCell::new(HashMap::new()),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let url = req.url()?;
        let param = |name: &str| url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
        let key = param("key").unwrap_or_default();
        match url.path() {
            "/turn" => {
                let patience = param("patience").and_then(|p| p.parse().ok()).unwrap_or(60_000.0);
                Response::from_json(&self.turn(key, patience).await)
            }
            "/done" => {
                let problem = serde_json::from_slice(&req.bytes().await?).unwrap_or(None);
                self.done(&key, problem);
                Ok(Response::empty()?.with_status(204))
            }
            _ => Response::error("unknown", 404),
        }
    }
}

impl Coalescer {
    /// Leads `key` if nobody does (or its leader has been gone longer than `patience` ms, as
    /// when its request was cancelled), else waits for the leader — `patience` ms at most.
    async fn turn(&self, key: String, patience: f64) -> Answer {
        let now = Date::now().as_millis() as f64;
        {
            let mut failed = self.failed.borrow_mut();
            failed.retain(|_, (at, _)| now - *at < REMEMBER_FAILURE_MS);
            if let Some((_, problem)) = failed.get(&key) {
                return Answer::Follow {
                    problem: Some(problem.clone()),
                };
            }
        }
        let waiting = {
            let mut leads = self.leads.borrow_mut();
            match leads.get_mut(&key) {
                Some(lead) if now - lead.since < patience => {
                    let (sender, receiver) = oneshot::channel();
                    lead.waiters.push(sender);
                    receiver
                }
                _ => {
                    leads.insert(
                        key,
                        Lead {
                            since: now,
                            waiters: Vec::new(),
                        },
                    );
                    return Answer::Lead;
                }
            }
        };
        let timeout = Delay::from(Duration::from_millis(patience as u64));
        match select(waiting, timeout).await {
            Either::Left((Ok(problem), _)) => Answer::Follow { problem },
            _ => Answer::Alone,
        }
    }

    /// The leader of `key` is done: every follower is told, with its problem if it failed.
    fn done(&self, key: &str, problem: Option<serde_json::Value>) {
        let Some(lead) = self.leads.borrow_mut().remove(key) else {
            return;
        };
        if let Some(problem) = &problem {
            let now = Date::now().as_millis() as f64;
            self.failed.borrow_mut().insert(key.to_owned(), (now, problem.clone()));
        }
        for waiter in lead.waiters {
            let _ = waiter.send(problem.clone());
        }
    }
}

/// What a request that must ask the registry does.
pub enum Turn {
    /// Walk, then [`Leader::done`].
    Lead(Leader),
    /// The walk is done: read what it kept (`None`), or answer with its problem.
    Follow(Option<Problem>),
    /// Walk without leading.
    Alone,
}

/// The leader of a key, which must say when it is done.
pub struct Leader {
    stub: Stub,
    key: String,
}

impl Leader {
    /// Tells the followers the walk is done — with its problem if it failed.
    pub async fn done(self, problem: Option<&Problem>) {
        let body = serde_json::to_string(&problem).unwrap_or_else(|_| "null".to_owned());
        let mut init = RequestInit::new();
        init.with_method(Method::Post).with_body(Some(body.into()));
        if let Ok(request) = Request::new_with_init(&object_url("done", &self.key, None), &init) {
            let _ = self.stub.fetch_with_request(request).await;
        }
    }
}

/// `repository`'s coalescer's answer for `key`, waiting at most `patience` for a leader.
pub async fn turn(namespace: &ObjectNamespace, repository: &str, key: &str, patience: Duration) -> Turn {
    let Ok(stub) = namespace.id_from_name(repository).and_then(|id| id.get_stub()) else {
        return Turn::Alone;
    };
    let url = object_url("turn", key, Some(patience));
    let answer = match stub.fetch_with_str(&url).await {
        Ok(mut response) => response.json::<Answer>().await.unwrap_or(Answer::Alone),
        Err(_) => Answer::Alone,
    };
    match answer {
        Answer::Lead => Turn::Lead(Leader {
            stub,
            key: key.to_owned(),
        }),
        Answer::Follow { problem } => {
            Turn::Follow(problem.and_then(|json| Problem::relayed(json.to_string().as_bytes())))
        }
        Answer::Alone => Turn::Alone,
    }
}

/// The object's URL for `action` on `key` (the host is never resolved: the stub routes it).
fn object_url(action: &str, key: &str, patience: Option<Duration>) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair("key", key);
    if let Some(patience) = patience {
        query.append_pair("patience", &patience.as_millis().to_string());
    }
    format!("https://coalescer.fathom.internal/{action}?{}", query.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_travel_as_tagged_json() {
        let follow = Answer::Follow {
            problem: Some(serde_json::json!({"code": "not-found"})),
        };
        let json = serde_json::to_string(&follow).unwrap();
        assert_eq!(json, r#"{"turn":"follow","problem":{"code":"not-found"}}"#);
        assert_eq!(serde_json::from_str::<Answer>(&json).unwrap(), follow);
        assert_eq!(
            serde_json::from_str::<Answer>(r#"{"turn":"lead"}"#).unwrap(),
            Answer::Lead
        );
    }

    #[test]
    fn object_urls_carry_the_key_escaped() {
        assert_eq!(
            object_url(
                "turn",
                "inspect ghcr.io/o/a:1 linux/arm64",
                Some(Duration::from_secs(45))
            ),
            "https://coalescer.fathom.internal/turn?key=inspect+ghcr.io%2Fo%2Fa%3A1+linux%2Farm64&patience=45000"
        );
    }
}
