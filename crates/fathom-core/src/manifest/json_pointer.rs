//! The JSON pointer of the value a typed read stopped in, from the line and column serde_json
//! reports.
//!
//! Written here rather than taken from `serde_path_to_error`: that crate wraps every
//! `Deserialize` impl it tracks in a second, path-recording copy, which added ~27 KB to the
//! browser's wasm (where every kilobyte counts against the first load). serde_json already says
//! where it stopped; a scan of the bytes up to there names the value.

use crate::finding::pointer_token;

/// One open container while scanning.
enum Frame {
    /// An object: the last key read, and whether its value has begun.
    Object { key: Option<String>, in_value: bool },
    /// An array: the current element's index, and whether it has begun.
    Array { index: usize, in_value: bool },
}

impl Frame {
    fn begin_value(&mut self) {
        match self {
            Frame::Object { in_value, .. } | Frame::Array { in_value, .. } => *in_value = true,
        }
    }
}

/// The JSON pointer of the innermost value that is open at 1-based `line` and `column` in
/// `bytes` (serde_json's position of an error: just past what it had read). Empty for the root.
pub(crate) fn pointer_at(bytes: &[u8], line: usize, column: usize) -> String {
    let line_start = bytes
        .iter()
        .enumerate()
        .filter(|&(_, &b)| b == b'\n')
        .nth(line.saturating_sub(2))
        .map_or(0, |(i, _)| i + 1);
    let end = if line <= 1 { column } else { line_start + column }.min(bytes.len());
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    while i < end {
        match bytes[i] {
            b'{' | b'[' => {
                if let Some(frame) = stack.last_mut() {
                    frame.begin_value();
                }
                stack.push(if bytes[i] == b'{' {
                    Frame::Object {
                        key: None,
                        in_value: false,
                    }
                } else {
                    Frame::Array {
                        index: 0,
                        in_value: false,
                    }
                });
            }
            b'}' | b']' => {
                stack.pop();
            }
            b',' => match stack.last_mut() {
                Some(Frame::Object { key, in_value }) => (*key, *in_value) = (None, false),
                Some(Frame::Array { index, in_value }) => (*index, *in_value) = (*index + 1, false),
                None => {}
            },
            b':' => {
                if let Some(frame) = stack.last_mut() {
                    frame.begin_value();
                }
            }
            b'"' => {
                let close = string_end(bytes, i);
                match stack.last_mut() {
                    Some(Frame::Object { key, in_value: false }) => {
                        *key = serde_json::from_slice(&bytes[i..close.min(bytes.len())]).ok();
                    }
                    Some(frame) => frame.begin_value(),
                    None => {}
                }
                i = close;
                continue;
            }
            b if b.is_ascii_whitespace() => {}
            _ => {
                if let Some(frame) = stack.last_mut() {
                    frame.begin_value();
                }
            }
        }
        i += 1;
    }
    let mut pointer = String::new();
    for frame in &stack {
        match frame {
            Frame::Object {
                key: Some(key),
                in_value: true,
            } => {
                pointer.push('/');
                pointer.push_str(&pointer_token(key));
            }
            Frame::Array { index, in_value: true } => pointer.push_str(&format!("/{index}")),
            _ => break,
        }
    }
    pointer
}

/// The index just past the string that opens at `start` (escapes skipped).
fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::pointer_at;

    /// Where serde_json stops reading `json` as `T`, as a pointer.
    fn pointer_of<T: serde::de::DeserializeOwned + std::fmt::Debug>(json: &str) -> String {
        let e = serde_json::from_str::<T>(json).unwrap_err();
        assert!(e.is_data(), "{e}");
        pointer_at(json.as_bytes(), e.line(), e.column())
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Entry {
        digest: String,
        size: u64,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Index {
        manifests: Vec<Entry>,
        subject: Option<Entry>,
    }

    #[test]
    fn names_the_value_a_typed_read_stopped_in() {
        let cases = [
            (r#"{"manifests":[{"digest":"a","size":"10"}]}"#, "/manifests/0/size"),
            (
                r#"{"manifests":[{"digest":"a","size":1},{"digest":2,"size":1}]}"#,
                "/manifests/1/digest",
            ),
            (r#"{"manifests":[{"digest":"a","size":1},{"size":1}]}"#, "/manifests/1"),
            (r#"{"manifests":{}}"#, "/manifests"),
            (r#"{"manifests":[],"subject":"x"}"#, "/subject"),
            (
                r#"{"manifests":[], "subject": {"digest": "x", "size": -1}}"#,
                "/subject/size",
            ),
            (
                "{\n  \"manifests\": [\n    {\"digest\": \"a\\\"]\", \"size\": true}\n  ]\n}",
                "/manifests/0/size",
            ),
            (r#"{"subject":null}"#, ""),
        ];
        for (json, pointer) in cases {
            assert_eq!(pointer_of::<Index>(json), pointer, "{json}");
        }
    }

    #[test]
    fn escapes_keys_as_pointer_tokens() {
        let e = serde_json::from_str::<std::collections::BTreeMap<String, u8>>(r#"{"a/b~c": "x"}"#).unwrap_err();
        assert_eq!(pointer_at(br#"{"a/b~c": "x"}"#, e.line(), e.column()), "/a~1b~0c");
    }
}
