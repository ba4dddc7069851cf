//! A Report rendered once and answered many times. A cache's answer differs from the Report it
//! keeps only in the members [`crate::inspect::cached::restamp`] writes — how the reference was
//! typed and resolved, how old the tag's resolution is, the requests this request made — so the
//! Report is kept as the JSON the CLI prints, member by member, and an answer renders those four
//! and copies the rest as bytes: no decoding and no encoding of platforms, findings or referrers
//! per request.

use super::Report;

/// The members a restamp changes, in the Report's order (`tagResolution` may be absent).
const PER_REQUEST: [&str; 4] = ["reference", "resolvedBy", "tagResolution", "requests"];

/// A Report as its pretty-printed JSON, member by member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// Each top-level member as printed (`  "key": value`, nested lines indented), in order.
    members: Vec<(String, Vec<u8>)>,
}

impl Rendered {
    /// Renders `report` once.
    pub fn of(report: &Report) -> Rendered {
        let json = pretty(report);
        // `{\n  "a": …,\n  "b": …\n}`: a top-level member starts after a newline and exactly two
        // spaces (nested lines have four or more, and strings hold no raw newline).
        let inner = &json[2..json.len() - 3];
        let mut members = Vec::new();
        let mut start = 0;
        for end in split_points(inner).chain([inner.len()]) {
            let member = &inner[start..end];
            let key = member[3..].split(|&b| b == b'"').next().unwrap_or_default();
            members.push((String::from_utf8_lossy(key).into_owned(), member.to_vec()));
            start = end + 2; // past ",\n"
        }
        Rendered { members }
    }

    /// The JSON of `stamped` — the rendered Report restamped for a request (same digest, same
    /// content) — exactly as [`Rendered::of`] would print it: the per-request members rendered
    /// now, the others copied.
    pub fn answer(&self, stamped: &Report) -> Vec<u8> {
        debug_assert!(self.digest_is(stamped), "an answer is for the Report rendered");
        let mut out = Vec::with_capacity(self.members.iter().map(|(_, m)| m.len() + 2).sum::<usize>() + 256);
        out.extend_from_slice(b"{\n");
        let mut first = true;
        let mut push = |member: &[u8], out: &mut Vec<u8>| {
            if !first {
                out.extend_from_slice(b",\n");
            }
            first = false;
            out.extend_from_slice(member);
        };
        let mut written = [false; PER_REQUEST.len()];
        for (key, member) in &self.members {
            match PER_REQUEST.iter().position(|k| k == key) {
                None => {
                    // Per-request members a stamp adds (a tag's resolution where the kept Report
                    // had none) go where the Report's order puts them.
                    for (i, pending) in PER_REQUEST.iter().enumerate() {
                        if !written[i] && follows(key, pending) {
                            written[i] = true;
                            if let Some(member) = per_request(stamped, pending) {
                                push(&member, &mut out);
                            }
                        }
                    }
                    push(member, &mut out);
                }
                Some(i) => {
                    written[i] = true;
                    if let Some(member) = per_request(stamped, key) {
                        push(&member, &mut out);
                    }
                }
            }
        }
        out.extend_from_slice(b"\n}\n");
        out
    }

    fn digest_is(&self, report: &Report) -> bool {
        let digest = per_member(&report.digest, "digest");
        self.members
            .iter()
            .any(|(key, member)| key == "digest" && *member == digest)
    }
}

/// Whether `key` (a member that is not per request) comes after the per-request `pending` in
/// the Report's order — so that `pending`, when a stamp adds it, is written before `key`.
fn follows(key: &str, pending: &str) -> bool {
    // `tagResolution` sits right after `resolvedBy`, before `platforms`; the others are always
    // present, so never pending when a later member is reached.
    pending == "tagResolution" && key == "platforms"
}

/// Where each top-level member after the first starts (the offset of its `,\n`).
fn split_points(inner: &[u8]) -> impl Iterator<Item = usize> + '_ {
    inner
        .windows(5)
        .enumerate()
        .filter(|(_, w)| *w == b",\n  \"")
        .map(|(i, _)| i)
}

/// The per-request member `key` of `report`, as printed at the top level (`None`: absent).
fn per_request(report: &Report, key: &str) -> Option<Vec<u8>> {
    Some(match key {
        "reference" => per_member(&report.reference, key),
        "resolvedBy" => per_member(&report.resolved_by, key),
        "tagResolution" => per_member(report.tag_resolution.as_ref()?, key),
        "requests" => per_member(&report.requests, key),
        _ => return None,
    })
}

/// `  "key": value` with `value` pretty-printed at the top level's indentation.
fn per_member<T: serde::Serialize>(value: &T, key: &str) -> Vec<u8> {
    let value = serde_json::to_vec_pretty(value).unwrap_or_else(|_| b"null".to_vec());
    let mut member = format!("  \"{key}\": ").into_bytes();
    for &byte in &value {
        member.push(byte);
        if byte == b'\n' {
            member.extend_from_slice(b"  ");
        }
    }
    member
}

/// The Report as the CLI prints it: pretty, with a final newline.
fn pretty(report: &Report) -> Vec<u8> {
    let mut json = serde_json::to_vec_pretty(report).unwrap_or_default();
    json.push(b'\n');
    json
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect::cached::restamp;
    use crate::inspect::{Inspect, Options};
    use crate::reference::Reference;
    use crate::registry::Remote;
    use crate::report::{Stale, StaleReason, TagResolution};
    use crate::testing::{self, MemoryRegistry};

    /// A real Report: an index of several platforms, walked from a corpus layout.
    fn walked() -> Report {
        let mut registry = MemoryRegistry::from_layout("stereoscope-multiplatform");
        let input = "localhost:5000/multi:latest";
        let reference: Reference = input.parse().unwrap();
        let walk = Inspect::new(input, reference.clone(), &Remote::of(&reference), Options::default());
        *testing::run(walk, 8, |r| Ok(registry.answer(r))).unwrap()
    }

    fn resolution(age_seconds: u64, stale: Option<Stale>) -> Option<TagResolution> {
        Some(TagResolution {
            resolved_at: 1_700_000_000,
            age_seconds,
            stale,
        })
    }

    #[test]
    fn an_answer_is_the_restamped_report_printed_whole() {
        let walked = walked();
        assert!(walked.platforms.len() >= 2, "an index of several platforms");
        let digest = walked.digest.clone().unwrap();
        let stale = Stale {
            reason: StaleReason::RateLimited,
            message: "registry-1.docker.io: \"too many\"\nrequests".into(),
            retry_after: Some(60),
        };
        // Kept without a tag resolution (walked by tag here) and with one (kept at the edge).
        let mut kept_with = walked.clone();
        kept_with.tag_resolution = resolution(0, None);
        for kept in [walked.clone(), kept_with] {
            let rendered = Rendered::of(&kept);
            assert_eq!(rendered.answer(&kept), pretty(&kept), "unchanged: the same bytes");
            let by_tag: Reference = "localhost:5000/multi:latest".parse().unwrap();
            let by_digest: Reference = format!("localhost:5000/multi@{digest}").parse().unwrap();
            for (input, reference, requests, tag) in [
                ("localhost:5000/multi:latest", &by_tag, 0, resolution(37, None)),
                ("LOCALHOST:5000/multi", &by_tag, 1, resolution(0, None)),
                (
                    "localhost:5000/multi:latest",
                    &by_tag,
                    0,
                    resolution(900, Some(stale.clone())),
                ),
                (by_digest.to_string().as_str(), &by_digest, 0, None),
            ] {
                let stamped = restamp(kept.clone(), input, reference, requests, tag);
                assert_eq!(
                    String::from_utf8(rendered.answer(&stamped)).unwrap(),
                    String::from_utf8(pretty(&stamped)).unwrap(),
                    "{input} {requests}"
                );
            }
        }
    }

    #[test]
    fn members_are_split_at_the_top_level_only() {
        let rendered = Rendered::of(&walked());
        let keys: Vec<&str> = rendered.members.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys[..3], ["schemaVersion", "reference", "digest"]);
        assert!(keys.contains(&"platforms") && keys.contains(&"findings"), "{keys:?}");
        assert!(rendered.members.iter().all(|(_, m)| m.starts_with(b"  \"")));
    }
}
