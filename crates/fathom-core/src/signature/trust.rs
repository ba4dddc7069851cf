//! A Sigstore trusted root (`trusted_root.json`, `application/vnd.dev.sigstore.trustedroot+json`,
//! sigstore/protobuf-specs `TrustedRoot`): the Fulcio certificate authorities a keyless
//! signature's certificate must chain to, and the transparency logs (Rekor) whose keys sign
//! entry timestamps — each valid for a window of time. The user gives it (Sigstore's public-good
//! one, or their own); nothing here fetches it.

use base64::Engine as _;
use spki::der::Decode as _;
use x509_cert::Certificate;

use super::key::PublicKey;

/// When a key or an authority may be trusted: from `start`, until `end` when it has one (Unix
/// seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// The first second.
    pub start: u64,
    /// The last, when there is one.
    pub end: Option<u64>,
}

impl Window {
    /// Whether `at` is in the window.
    pub fn contains(&self, at: u64) -> bool {
        at >= self.start && self.end.is_none_or(|end| at <= end)
    }
}

/// A Fulcio certificate authority: its chain, the issuing certificate first, the root last.
#[derive(Debug, Clone)]
pub struct Authority {
    /// Its URI (`https://fulcio.sigstore.dev`).
    pub uri: String,
    /// The chain.
    pub chain: Vec<Certificate>,
    /// When it issued certificates.
    pub valid: Window,
}

/// A transparency log (Rekor).
#[derive(Debug, Clone)]
pub struct Log {
    /// Its URL (`https://rekor.sigstore.dev`).
    pub url: String,
    /// Its key id: the sha256 of its key's DER SubjectPublicKeyInfo.
    pub key_id: Vec<u8>,
    /// Its key.
    pub key: PublicKey,
    /// When it signed.
    pub valid: Window,
}

/// A trusted root, read.
#[derive(Debug, Clone)]
pub struct TrustedRoot {
    /// The certificate authorities.
    pub authorities: Vec<Authority>,
    /// The transparency logs.
    pub logs: Vec<Log>,
    /// The certificate transparency logs (whose signed certificate timestamps a Fulcio
    /// certificate embeds) — those with a key this reads: a PKCS #1 RSA key is left out.
    pub ct_logs: Vec<Log>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct RootJson {
    #[serde(default)]
    tlogs: Vec<LogJson>,
    #[serde(default)]
    ctlogs: Vec<LogJson>,
    #[serde(default)]
    certificate_authorities: Vec<AuthorityJson>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct LogJson {
    #[serde(default)]
    base_url: String,
    public_key: KeyJson,
    log_id: LogIdJson,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct KeyJson {
    raw_bytes: String,
    valid_for: Option<WindowJson>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct LogIdJson {
    key_id: String,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct AuthorityJson {
    #[serde(default)]
    uri: String,
    cert_chain: ChainJson,
    valid_for: Option<WindowJson>,
}

#[derive(serde::Deserialize)]
struct ChainJson {
    certificates: Vec<RawJson>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawJson {
    raw_bytes: String,
}

#[derive(serde::Deserialize)]
struct WindowJson {
    start: Option<String>,
    end: Option<String>,
}

impl LogJson {
    /// The log, read; `what` names it in the error.
    fn read(&self, what: &str) -> Result<Log, String> {
        let der = base64(&self.public_key.raw_bytes, &format!("{what}.publicKey.rawBytes"))?;
        let key = PublicKey::from_spki_der(&der).map_err(|e| format!("{what}: {e}"))?;
        Ok(Log {
            url: self.base_url.clone(),
            key_id: base64(&self.log_id.key_id, &format!("{what}.logId.keyId"))?,
            key,
            valid: window(self.public_key.valid_for.as_ref(), what)?,
        })
    }
}

fn base64(text: &str, what: &str) -> Result<Vec<u8>, String> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| format!("{what} is not base64: {e}"))
}

fn window(json: Option<&WindowJson>, what: &str) -> Result<Window, String> {
    let at = |t: &Option<String>| {
        t.as_deref()
            .map(|t| unix_seconds(t).ok_or_else(|| format!("{what}: {t:?} is not an RFC 3339 UTC time")))
            .transpose()
    };
    Ok(Window {
        start: json.map(|w| at(&w.start)).transpose()?.flatten().unwrap_or(0),
        end: json.map(|w| at(&w.end)).transpose()?.flatten(),
    })
}

/// `2021-03-07T03:20:29.000Z` or `2024-06-18T17:08:35+08:00` → Unix seconds (the fraction
/// dropped): RFC 3339, as trusted roots and notation write their times. Read by hand — six
/// numbers at fixed places and an offset — and handed to `der`'s `DateTime`, which checks the
/// ranges and does the calendar.
pub fn unix_seconds(text: &str) -> Option<u64> {
    if !text.is_ascii() {
        return None;
    }
    let (text, offset) = match text.strip_suffix('Z') {
        Some(utc) => (utc, 0i64),
        None => {
            let (local, zone) = text.split_at(text.len().checked_sub(6)?);
            let sign = match zone.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let (hours, minutes) = zone[1..].split_once(':')?;
            (
                local,
                sign * (hours.parse::<i64>().ok()? * 3600 + minutes.parse::<i64>().ok()? * 60),
            )
        }
    };
    let (date, time) = text.split_once('T')?;
    let time = time.split('.').next()?;
    let numbers: Vec<&str> = date.split('-').chain(time.split(':')).collect();
    let [year, month, day, hour, minute, second] = numbers.as_slice() else {
        return None;
    };
    let datetime = spki::der::DateTime::new(
        year.parse().ok()?,
        month.parse().ok()?,
        day.parse().ok()?,
        hour.parse().ok()?,
        minute.parse().ok()?,
        second.parse().ok()?,
    )
    .ok()?;
    u64::try_from(i64::try_from(datetime.unix_duration().as_secs()).ok()? - offset).ok()
}

impl TrustedRoot {
    /// Reads a trusted root's JSON.
    pub fn from_json(bytes: &[u8]) -> Result<TrustedRoot, String> {
        let json: RootJson = serde_json::from_slice(bytes)
            .map_err(|e| format!("not a Sigstore trusted root (trusted_root.json): {e}"))?;
        let logs = json
            .tlogs
            .iter()
            .enumerate()
            .map(|(n, log)| log.read(&format!("tlogs[{n}]")))
            .collect::<Result<Vec<_>, _>>()?;
        // A key in a form this does not read (PKCS #1 RSA) leaves its log out: an SCT of it then
        // finds no log, and says so.
        let ct_logs = json
            .ctlogs
            .iter()
            .enumerate()
            .filter_map(|(n, log)| log.read(&format!("ctlogs[{n}]")).ok())
            .collect();
        let mut authorities = Vec::new();
        for (n, ca) in json.certificate_authorities.iter().enumerate() {
            let what = format!("certificateAuthorities[{n}]");
            let chain = ca
                .cert_chain
                .certificates
                .iter()
                .map(|c| {
                    let der = base64(&c.raw_bytes, &what)?;
                    Certificate::from_der(&der).map_err(|e| format!("{what}: a certificate that cannot be read: {e}"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            if chain.is_empty() {
                return Err(format!("{what} has no certificate"));
            }
            authorities.push(Authority {
                uri: ca.uri.clone(),
                chain,
                valid: window(ca.valid_for.as_ref(), &what)?,
            });
        }
        if authorities.is_empty() || logs.is_empty() {
            return Err("the trusted root names no certificate authority or no transparency log".into());
        }
        Ok(TrustedRoot {
            authorities,
            logs,
            ct_logs,
        })
    }

    /// The log whose key id is `key_id`.
    pub fn log(&self, key_id: &[u8]) -> Option<&Log> {
        self.logs.iter().find(|l| l.key_id == key_id)
    }

    /// This root and `other` as one: each one's authorities and logs trusted (a trusted root
    /// lists several; a signature needs one of each).
    pub fn and(mut self, other: TrustedRoot) -> TrustedRoot {
        self.authorities.extend(other.authorities);
        self.logs.extend(other.logs);
        self.ct_logs.extend(other.ct_logs);
        self
    }
}
