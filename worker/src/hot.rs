//! The isolate's own memory in front of the Cache API: the hottest Reports and tag resolutions,
//! kept as values — no Cache API round trip, no JSON to decode — for no longer than the Cache API
//! keeps them. Workers reuse an isolate for many requests in turn, so a hot tag is answered from
//! here; each isolate has its own memory, and the Cache API stays the tier they share.

use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

use fathom_core::inspect::cached::TagEntry;
use fathom_core::report::rendered::Rendered;
use fathom_core::report::Report;

/// Reports kept per isolate (a Report of a large index is some 100 KB in memory: a few tens of
/// MB at most, well inside an isolate's 128 MB).
const REPORTS: usize = 256;
/// Tag resolutions kept per isolate.
const TAGS: usize = 4096;

/// Values by key, each until its time; the oldest put is dropped first beyond `capacity`.
#[derive(Debug)]
pub struct Memory<T> {
    entries: BTreeMap<String, (u64, T)>,
    order: VecDeque<String>,
    capacity: usize,
}

impl<T: Clone> Memory<T> {
    /// Nothing kept yet, at most `capacity` values.
    pub fn new(capacity: usize) -> Memory<T> {
        Memory {
            entries: BTreeMap::new(),
            order: VecDeque::new(),
            capacity,
        }
    }

    /// The value under `key`, if kept and not expired at `now` (Unix seconds).
    pub fn get(&self, key: &str, now: u64) -> Option<T> {
        self.entries
            .get(key)
            .filter(|(until, _)| now < *until)
            .map(|(_, value)| value.clone())
    }

    /// Keeps `value` under `key` until `until` (Unix seconds).
    pub fn put(&mut self, key: &str, value: T, until: u64) {
        if self.entries.insert(key.to_owned(), (until, value)).is_none() {
            self.order.push_back(key.to_owned());
        }
        while self.order.len() > self.capacity {
            if let Some(oldest) = self.order.pop_front() {
                self.entries.remove(&oldest);
            }
        }
    }
}

/// A Report kept in memory, with its JSON rendered once: an inspect answered from here copies
/// the bytes and renders only what differs per request ([`Rendered::answer`]).
#[derive(Debug)]
pub struct KeptReport {
    /// The Report.
    pub report: Report,
    /// Its JSON.
    pub rendered: Rendered,
}

impl KeptReport {
    /// `report`, rendered.
    pub fn new(report: Report) -> Rc<KeptReport> {
        let rendered = Rendered::of(&report);
        Rc::new(KeptReport { report, rendered })
    }
}

thread_local! {
    /// This isolate's Reports, by their Cache API URL.
    pub static HOT_REPORTS: RefCell<Memory<Rc<KeptReport>>> = RefCell::new(Memory::new(REPORTS));
    /// This isolate's tag resolutions, by canonical tag.
    pub static HOT_TAGS: RefCell<Memory<TagEntry>> = RefCell::new(Memory::new(TAGS));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_expire_and_the_oldest_goes_first() {
        let mut memory = Memory::new(2);
        memory.put("a", 1, 100);
        assert_eq!(memory.get("a", 99), Some(1));
        assert_eq!(memory.get("a", 100), None, "expired at its time");
        memory.put("a", 2, 200);
        assert_eq!(memory.get("a", 150), Some(2), "put again: replaced");
        assert_eq!(memory.order.len(), 1, "put again: not added twice");
        memory.put("b", 3, 200);
        memory.put("c", 4, 200);
        assert_eq!(
            (memory.entries.len(), memory.order.len()),
            (2, 2),
            "no more than its capacity"
        );
        assert_eq!(memory.get("a", 150), None, "the oldest was pushed out");
        assert_eq!((memory.get("b", 150), memory.get("c", 150)), (Some(3), Some(4)));
    }
}
