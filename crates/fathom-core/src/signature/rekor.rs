//! Transparency-log (Rekor) entries, checked offline against a trusted root's log keys:
//!
//! - the signed entry timestamp (SET, Rekor's "inclusion promise"): the log's signature over the
//!   entry as canonical JSON — what dates a signature;
//! - the inclusion proof: a Merkle audit path from the entry to a tree head (RFC 9162 §2.1.3.2),
//!   and that tree head's checkpoint signed by the log (C2SP signed-note, Rekor
//!   `pkg/util/checkpoint.go`);
//! - the entry's body is about the signature being checked: a `hashedrekord` (a signature over
//!   a digest) or a `dsse` entry (a signed DSSE envelope), as Rekor's types define them
//!   (sigstore/rekor `pkg/types/hashedrekord/v0.0.1`, `pkg/types/dsse/v0.0.1`).
//!
//! The entry's shape is the Sigstore bundle's `TransparencyLogEntry` (sigstore/protobuf-specs
//! `sigstore_rekor.proto`, in its JSON form: 64-bit numbers as strings).

use base64::Engine as _;
use serde::Deserialize;
use sha2::{Digest as _, Sha256};

use super::keyless;
use super::trust::{Log, TrustedRoot};
use crate::digest::Digest;

fn base64(text: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD.decode(text.trim()).ok()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A protobuf JSON 64-bit integer: a string, or (some writers) a number.
#[derive(Deserialize, Clone, Debug)]
#[serde(untagged)]
enum Int {
    Text(String),
    Number(u64),
}

impl Int {
    fn value(&self) -> Option<u64> {
        match self {
            Int::Text(text) => text.parse().ok(),
            Int::Number(n) => Some(*n),
        }
    }
}

/// An entry as a Sigstore bundle carries it.
#[derive(Deserialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    log_index: Int,
    log_id: LogId,
    #[serde(default)]
    kind_version: Option<KindVersion>,
    #[serde(default)]
    integrated_time: Option<Int>,
    #[serde(default)]
    inclusion_promise: Option<Promise>,
    #[serde(default)]
    inclusion_proof: Option<Proof>,
    canonicalized_body: String,
}

#[derive(Deserialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
struct LogId {
    key_id: String,
}

#[derive(Deserialize, Clone, Debug)]
struct KindVersion {
    kind: String,
    version: String,
}

#[derive(Deserialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
struct Promise {
    signed_entry_timestamp: String,
}

#[derive(Deserialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
struct Proof {
    log_index: Int,
    root_hash: String,
    tree_size: Int,
    #[serde(default)]
    hashes: Vec<String>,
    #[serde(default)]
    checkpoint: Option<Checkpoint>,
}

#[derive(Deserialize, Clone, Debug)]
struct Checkpoint {
    envelope: String,
}

/// What the SET signs, in Rekor's own field names and order (sorted, as canonical JSON).
#[derive(Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SetPayload {
    pub body: String,
    pub integrated_time: i64,
    #[serde(rename = "logID")]
    pub log_id: String,
    pub log_index: i64,
}

/// Whether `set` (base64) is `log`'s signature over `payload`, as canonical JSON: keys sorted,
/// no spaces (RFC 8785 for these four members; serde writes struct fields in their declared,
/// sorted order).
pub(crate) fn set_verifies(log: &Log, payload: &SetPayload, set: &str) -> Result<(), String> {
    let canonical = serde_json::to_vec(payload).map_err(|e| e.to_string())?;
    let set = base64(set).ok_or("its signed entry timestamp is not base64")?;
    if log.key.verifies(&canonical, &set) {
        Ok(())
    } else {
        Err(format!(
            "its signed entry timestamp does not verify with the key of {}",
            log.url
        ))
    }
}

/// A checked entry: when the log says it was made, its index, and its body.
#[derive(Debug, Clone)]
pub struct Logged {
    /// The entry's time (Unix seconds), vouched for by its SET.
    pub time: u64,
    /// The entry's index in the log.
    pub index: u64,
    /// Whether an inclusion proof and its signed checkpoint were checked too.
    pub proven: bool,
    /// Its kind (`hashedrekord`, `dsse`) and version.
    pub kind: (String, String),
    /// Its canonicalized body.
    pub body: Vec<u8>,
}

impl Entry {
    /// Why this entry cannot be checked here yet, when it cannot: a Rekor v2 entry (an inclusion
    /// proof but no signed entry timestamp: it is dated by an RFC 3161 timestamp authority,
    /// which is not read here), or a kind whose body is not read (`intoto`).
    pub fn unchecked(&self) -> Option<String> {
        let kind = self.kind_version.as_ref()?;
        // Rekor v2 writes its entries as version 0.0.2 of their kinds, with no SET (a v1 entry
        // stripped of its SET stays an invalid v1 entry).
        if self.inclusion_promise.is_none() && kind.version == "0.0.2" {
            return Some(
                "its log entry is Rekor v2's, dated by an RFC 3161 timestamp, which is not checked yet".into(),
            );
        }
        (!matches!(kind.kind.as_str(), "hashedrekord" | "dsse")).then(|| {
            format!(
                "its log entry is of kind {:?} {}, which is not checked yet",
                kind.kind, kind.version
            )
        })
    }

    /// Checks the entry against `root`: its log is in the root, its SET verifies with the log's
    /// key valid at the entry's time, and its inclusion proof (when it has one) leads to a tree
    /// head the log signed. Not yet: whether its body is about a given signature
    /// ([`hashedrekord_about`], [`dsse_about`]).
    pub fn verify(&self, root: &TrustedRoot) -> Result<Logged, String> {
        let Some(promise) = &self.inclusion_promise else {
            // Rekor v2 entries are dated by an RFC 3161 timestamp authority instead, which
            // is not read here: without a signed time, a short-lived certificate's validity
            // cannot be judged.
            return Err(if self.inclusion_proof.is_some() {
                "its log entry has an inclusion proof but no signed entry timestamp: nothing dates the signature (entries of Rekor v2, dated by an RFC 3161 timestamp, are not checked yet)".into()
            } else {
                "its log entry has neither a signed entry timestamp nor an inclusion proof".into()
            });
        };
        let key_id = base64(&self.log_id.key_id).ok_or("its log id is not base64")?;
        let log = root
            .log(&key_id)
            .ok_or_else(|| format!("its log ({}) is not in the trusted root", hex(&key_id)))?;
        let body = base64(&self.canonicalized_body).ok_or("its log entry's body is not base64")?;
        let index = self.log_index.value().ok_or("its log index is not a number")?;
        let (kind, version) = match &self.kind_version {
            Some(k) => (k.kind.clone(), k.version.clone()),
            None => Default::default(),
        };
        let time = self
            .integrated_time
            .as_ref()
            .and_then(Int::value)
            .ok_or("its log entry has no integrated time")?;
        if !log.valid.contains(time) {
            return Err(format!("the log's key was not valid at the entry's time ({time})"));
        }
        let payload = SetPayload {
            body: self.canonicalized_body.trim().to_owned(),
            integrated_time: i64::try_from(time).map_err(|_| "its log time is out of range")?,
            log_id: hex(&key_id),
            log_index: i64::try_from(index).map_err(|_| "its log index is out of range")?,
        };
        set_verifies(log, &payload, &promise.signed_entry_timestamp)?;
        let proven = match &self.inclusion_proof {
            Some(proof) => {
                proof.verify(&body, log)?;
                true
            }
            None => false,
        };
        Ok(Logged {
            time,
            index,
            proven,
            kind: (kind, version),
            body,
        })
    }
}

impl Proof {
    /// The audit path leads from the entry's leaf to the root hash, and the log signed a
    /// checkpoint of that root at that size.
    fn verify(&self, body: &[u8], log: &Log) -> Result<(), String> {
        let index = self
            .log_index
            .value()
            .ok_or("its inclusion proof's index is not a number")?;
        let size = self
            .tree_size
            .value()
            .ok_or("its inclusion proof's tree size is not a number")?;
        let root = base64(&self.root_hash).ok_or("its inclusion proof's root hash is not base64")?;
        let path = self
            .hashes
            .iter()
            .map(|h| base64(h).filter(|h| h.len() == 32))
            .collect::<Option<Vec<_>>>()
            .ok_or("its inclusion proof holds a hash that is not 32 bytes of base64")?;
        let leaf = leaf_hash(body);
        if root_from_path(index, size, &leaf, &path).map(|r| r.to_vec()) != Some(root.clone()) {
            return Err(format!(
                "its inclusion proof does not lead to the tree head it names (entry {index} of {size})"
            ));
        }
        let checkpoint = self
            .checkpoint
            .as_ref()
            .ok_or("its inclusion proof has no signed checkpoint: nothing says the log committed to that tree head")?;
        let (signed_size, signed_root) = checkpoint_of(&checkpoint.envelope, log)?;
        if signed_size != size || signed_root != root {
            return Err(format!(
                "its inclusion proof's tree head ({size} entries) is not the one the log's checkpoint signs ({signed_size})"
            ));
        }
        Ok(())
    }
}

/// RFC 9162 §2.1.1: a leaf's hash is SHA-256(0x00 ‖ entry).
fn leaf_hash(body: &[u8]) -> [u8; 32] {
    Sha256::new().chain_update([0u8]).chain_update(body).finalize().into()
}

/// RFC 9162 §2.1.1: an interior node's hash is SHA-256(0x01 ‖ left ‖ right).
fn node_hash(left: &[u8], right: &[u8]) -> [u8; 32] {
    Sha256::new()
        .chain_update([1u8])
        .chain_update(left)
        .chain_update(right)
        .finalize()
        .into()
}

/// The root an inclusion proof leads to (RFC 9162 §2.1.3.2, step by step), or `None` when the
/// path does not fit the tree. Written out: it is a dozen lines, and the crates that have it
/// (sigstore-rs) bring a native-only dependency tree.
fn root_from_path(index: u64, size: u64, leaf: &[u8; 32], path: &[Vec<u8>]) -> Option<[u8; 32]> {
    if index >= size {
        return None;
    }
    let (mut f, mut s) = (index, size - 1);
    let mut r = *leaf;
    for p in path {
        if s == 0 {
            return None;
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            if f & 1 == 0 {
                while f & 1 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    (s == 0).then_some(r)
}

/// A checkpoint (a signed note: `origin`, tree size, base64 root hash, then a blank line and
/// `— <name> <base64(key hint ‖ signature)>` lines), verified with `log`'s key: its tree size
/// and root hash.
fn checkpoint_of(envelope: &str, log: &Log) -> Result<(u64, Vec<u8>), String> {
    let (text, signatures) = envelope
        .split_once("\n\n")
        .ok_or("its checkpoint is not a signed note (no blank line before the signatures)")?;
    let signed = format!("{text}\n");
    let hint = log.key_id.get(..4).unwrap_or_default();
    let verified = signatures.lines().any(|line| {
        let Some(rest) = line.strip_prefix("\u{2014} ") else {
            return false;
        };
        let Some(blob) = rest.rsplit(' ').next().and_then(base64) else {
            return false;
        };
        blob.len() > 4 && &blob[..4] == hint && log.key.verifies(signed.as_bytes(), &blob[4..])
    });
    if !verified {
        return Err(format!("its checkpoint is not signed by the log's key ({})", log.url));
    }
    let mut lines = text.lines().skip(1);
    let size = lines
        .next()
        .and_then(|l| l.parse().ok())
        .ok_or("its checkpoint's tree size is not a number")?;
    let root = lines
        .next()
        .and_then(base64)
        .ok_or("its checkpoint's root hash is not base64")?;
    Ok((size, root))
}

/// A `hashedrekord` entry's body: what the log recorded of a signature over a digest.
#[derive(Deserialize)]
struct HashedRekord {
    kind: String,
    spec: HashedSpec,
}

#[derive(Deserialize)]
struct HashedSpec {
    data: HashedData,
    signature: HashedSignature,
}

#[derive(Deserialize)]
struct HashedData {
    hash: HashedHash,
}

#[derive(Deserialize)]
struct HashedHash {
    algorithm: String,
    value: String,
}

#[derive(Deserialize)]
struct HashedSignature {
    content: String,
    #[serde(rename = "publicKey")]
    public_key: HashedKey,
}

#[derive(Deserialize)]
struct HashedKey {
    content: String,
}

/// Whether base64 `pem` is a PEM certificate whose DER is `leaf_der`.
fn same_certificate(pem: &str, leaf_der: &[u8]) -> bool {
    base64(pem)
        .and_then(|pem| String::from_utf8(pem).ok())
        .and_then(|pem| keyless::certificate(&pem).ok())
        .is_some_and(|(_, der)| der == leaf_der)
}

const ANOTHER: &str = "its log entry is about another signature (digest, signature or certificate differ)";

/// The `hashedrekord` body is about `signature` over `digest`, by the certificate `leaf_der`.
pub(crate) fn hashedrekord_about(
    body: &[u8],
    digest: &Digest,
    signature: &[u8],
    leaf_der: &[u8],
) -> Result<(), String> {
    let rekord: HashedRekord =
        serde_json::from_slice(body).map_err(|e| format!("its log entry is not a hashedrekord: {e}"))?;
    let spec = &rekord.spec;
    let about = rekord.kind == "hashedrekord"
        && spec.data.hash.algorithm == "sha256"
        && spec.data.hash.value == digest.hex()
        && base64(&spec.signature.content).as_deref() == Some(signature)
        && same_certificate(&spec.signature.public_key.content, leaf_der);
    if about {
        Ok(())
    } else {
        Err(ANOTHER.into())
    }
}

/// A `dsse` entry's body (v0.0.1): the envelope's payload hash and its signatures, each with
/// its verifier (a PEM certificate or key, base64).
#[derive(Deserialize)]
struct DsseRekord {
    kind: String,
    spec: DsseSpec,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DsseSpec {
    payload_hash: HashedHash,
    #[serde(default)]
    signatures: Vec<DsseSignature>,
}

#[derive(Deserialize)]
struct DsseSignature {
    signature: String,
    verifier: String,
}

/// The `dsse` body is about an envelope whose payload's sha256 is `payload`, signed with
/// `signature` by the certificate `leaf_der`.
pub(crate) fn dsse_about(body: &[u8], payload: &Digest, signature: &[u8], leaf_der: &[u8]) -> Result<(), String> {
    let rekord: DsseRekord =
        serde_json::from_slice(body).map_err(|e| format!("its log entry is not a dsse entry: {e}"))?;
    let spec = &rekord.spec;
    let about = rekord.kind == "dsse"
        && spec.payload_hash.algorithm == "sha256"
        && spec.payload_hash.value == payload.hex()
        && spec
            .signatures
            .iter()
            .any(|s| base64(&s.signature).as_deref() == Some(signature) && same_certificate(&s.verifier, leaf_der));
    if about {
        Ok(())
    } else {
        Err(ANOTHER.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 9162 §2.1.3 by hand: a tree of five leaves, each leaf's path, checked both ways.
    #[test]
    fn inclusion_paths_lead_to_the_root_and_nowhere_else() {
        let leaves: Vec<[u8; 32]> = (0u8..5).map(|n| leaf_hash(&[n])).collect();
        let (l, n) = (&leaves, node_hash);
        let ab = n(&l[0], &l[1]);
        let cd = n(&l[2], &l[3]);
        let abcd = n(&ab, &cd);
        let root = n(&abcd, &l[4]);
        let paths: [Vec<Vec<u8>>; 5] = [
            vec![l[1].to_vec(), cd.to_vec(), l[4].to_vec()],
            vec![l[0].to_vec(), cd.to_vec(), l[4].to_vec()],
            vec![l[3].to_vec(), ab.to_vec(), l[4].to_vec()],
            vec![l[2].to_vec(), ab.to_vec(), l[4].to_vec()],
            vec![abcd.to_vec()],
        ];
        for (index, path) in paths.iter().enumerate() {
            assert_eq!(
                root_from_path(index as u64, 5, &l[index], path),
                Some(root),
                "leaf {index}"
            );
            // Another leaf, another size, a shortened or lengthened path: not this root.
            let other = (index + 1) % 5;
            assert_ne!(root_from_path(index as u64, 5, &l[other], path), Some(root));
            assert_ne!(
                root_from_path(index as u64, 17, &l[index], path),
                Some(root),
                "a taller tree"
            );
            assert_eq!(
                root_from_path(index as u64, 5, &l[index], &path[..path.len() - 1]).filter(|r| *r == root),
                None
            );
            let mut longer = path.clone();
            longer.push(root.to_vec());
            assert_eq!(root_from_path(index as u64, 5, &l[index], &longer), None);
        }
        assert_eq!(root_from_path(5, 5, &l[0], &paths[0]), None, "an index past the tree");
        assert_eq!(
            root_from_path(0, 1, &l[0], &[]),
            Some(l[0]),
            "a tree of one leaf is its leaf"
        );
    }
}
