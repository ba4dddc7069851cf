//! Badges for a README: the platforms an image reference ships, as an SVG in the flat style of
//! shields.io, or as the JSON of shields.io's endpoint badge (https://shields.io/badges/endpoint-badge)
//! for whoever renders it there. Feed a Report (or a failure), get the badge: no I/O.

use std::collections::BTreeSet;

use crate::report::{EntryKind, Report};

/// At most this many platforms are named; more are counted.
const NAMED: usize = 4;

/// One badge: a label on grey, a message on a colour.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Badge {
    /// Always 1 (the endpoint format's version).
    pub schema_version: u32,
    /// `platforms`.
    pub label: String,
    /// What the reference ships, or what went wrong.
    pub message: String,
    /// `blue`, or `red` for a failure.
    pub color: &'static str,
    /// Set on a failure (shields.io then shows it as one).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub is_error: bool,
}

impl Badge {
    /// The platforms of the runnable images `report` shows (attestations and artifacts left
    /// out), `linux/` dropped when every one is linux: `amd64 | arm64 | arm/v7`, or
    /// `8 platforms` beyond four. A Report that fails a check gets a failure badge instead.
    pub fn platforms(report: &Report) -> Badge {
        if let Some(finding) = report.failed_check() {
            return Badge::failure(&finding.code.to_string());
        }
        let platforms: BTreeSet<String> = report
            .platforms
            .iter()
            .filter(|row| row.kind == EntryKind::Image)
            .filter_map(|row| row.platform.as_ref().map(|p| p.normalize().to_string()))
            .collect();
        let all_linux = platforms.iter().all(|p| p.starts_with("linux/"));
        let named: Vec<&str> = platforms
            .iter()
            .map(|p| match p.strip_prefix("linux/") {
                Some(rest) if all_linux => rest,
                _ => p,
            })
            .collect();
        let message = match named.len() {
            0 => "none".to_owned(),
            n if n > NAMED => format!("{n} platforms"),
            _ => named.join(" | "),
        };
        Badge {
            schema_version: 1,
            label: "platforms".into(),
            message,
            color: "blue",
            is_error: false,
        }
    }

    /// A badge that says what went wrong, in a word or two (`not found`, `rate limited`…).
    pub fn failure(what: &str) -> Badge {
        Badge {
            schema_version: 1,
            label: "platforms".into(),
            message: what.to_owned(),
            color: "red",
            is_error: true,
        }
    }

    /// The badge as an SVG image (shields.io's flat style: 20 px high, Verdana 11 px).
    pub fn svg(&self) -> String {
        let (label, message) = (escape(&self.label), escape(&self.message));
        let (left, right) = (text_width(&self.label) + 10, text_width(&self.message) + 10);
        let width = left + right;
        let fill = match self.color {
            "red" => "#e05d44",
            _ => "#007ec6",
        };
        let title = format!("{label}: {message}");
        format!(
            concat!(
                r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="20" role="img" aria-label="{t}">"##,
                r##"<title>{t}</title>"##,
                r##"<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>"##,
                r##"<clipPath id="r"><rect width="{w}" height="20" rx="3" fill="#fff"/></clipPath>"##,
                r##"<g clip-path="url(#r)"><rect width="{l}" height="20" fill="#555"/><rect x="{l}" width="{r}" height="20" fill="{f}"/><rect width="{w}" height="20" fill="url(#s)"/></g>"##,
                r##"<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">"##,
                r##"<text x="{lx}" y="14">{a}</text><text x="{rx}" y="14">{b}</text></g></svg>"##,
            ),
            w = width,
            t = title,
            l = left,
            r = right,
            f = fill,
            lx = left / 2,
            rx = left + right / 2,
            a = label,
            b = message,
        )
    }
}

/// Text as XML character data and attribute values: a platform string comes from a registry and
/// may hold anything.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// The width of `text` in Verdana 11 px, in whole pixels: narrow and wide characters apart from
/// the rest, as an estimate (shields.io measures with the font's own table; a badge only needs
/// its text not to be clipped).
fn text_width(text: &str) -> usize {
    let tenths: usize = text
        .chars()
        .map(|c| match c {
            'i' | 'l' | 'j' | '|' | '.' | ',' | ':' | ';' | '\'' | '!' | ' ' => 40,
            'f' | 't' | 'r' | '/' | '(' | ')' | '-' | 'I' => 50,
            'm' | 'w' | 'M' | 'W' => 105,
            c if c.is_ascii_uppercase() => 78,
            _ => 70,
        })
        .sum();
    tenths.div_ceil(10)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::descriptor::Descriptor;
    use crate::finding::{Code, Finding};
    use crate::platform::Platform;
    use crate::report::PlatformEntry;

    fn report(platforms: &[(&str, EntryKind)]) -> Report {
        let reference = "ghcr.io/o/app:1".parse().unwrap();
        let mut report = Report::new("ghcr.io/o/app:1", &reference);
        for (platform, kind) in platforms {
            let descriptor: Descriptor = serde_json::from_str(&format!(
                r#"{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:{}","size":1}}"#,
                "a".repeat(64)
            ))
            .unwrap();
            report.platforms.push(PlatformEntry {
                platform: Some(platform.parse::<Platform>().unwrap()),
                descriptor,
                kind: *kind,
                verified: Some(true),
                parent: None,
                image: None,
                attestations: Vec::new(),
            });
        }
        report
    }

    #[test]
    fn names_the_runnable_platforms_or_counts_them() {
        let few = report(&[
            ("linux/arm64/v8", EntryKind::Image),
            ("linux/amd64", EntryKind::Image),
            ("unknown/unknown", EntryKind::Attestation),
        ]);
        assert_eq!(Badge::platforms(&few).message, "amd64 | arm64");
        let mixed = report(&[("linux/amd64", EntryKind::Image), ("windows/amd64", EntryKind::Image)]);
        assert_eq!(Badge::platforms(&mixed).message, "linux/amd64 | windows/amd64");
        let many: Vec<_> = ["amd64", "arm64", "386", "ppc64le", "s390x"]
            .iter()
            .map(|a| (format!("linux/{a}"), EntryKind::Image))
            .collect();
        let many: Vec<_> = many.iter().map(|(p, k)| (p.as_str(), *k)).collect();
        let badge = Badge::platforms(&report(&many));
        assert_eq!((badge.message.as_str(), badge.color), ("5 platforms", "blue"));
        let json = serde_json::to_value(&badge).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"schemaVersion": 1, "label": "platforms", "message": "5 platforms", "color": "blue"})
        );
    }

    #[test]
    fn a_failed_check_is_a_red_badge() {
        let mut broken = report(&[("linux/amd64", EntryKind::Image)]);
        broken
            .findings
            .push(Finding::error(Code::DigestMismatch, "/platforms/0", "bytes differ"));
        let badge = Badge::platforms(&broken);
        assert_eq!(
            (badge.message.as_str(), badge.color, badge.is_error),
            ("digest-mismatch", "red", true)
        );
        assert_eq!(serde_json::to_value(&badge).unwrap()["isError"], true);
    }

    #[test]
    fn the_svg_escapes_what_a_registry_wrote_and_fits_its_text() {
        let badge = Badge::failure("<script>&\"'");
        let svg = badge.svg();
        assert!(svg.contains("&lt;script&gt;&amp;&quot;&apos;"), "{svg}");
        assert!(!svg.contains("<script>"));
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        let short = Badge::failure("x").svg();
        let width = |svg: &str| -> usize {
            svg.split("width=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        };
        assert!(width(&svg) > width(&short));
        // Verdana 11 averages some 6.5 px a letter.
        assert!(
            (52..=62).contains(&text_width("platforms")),
            "{}",
            text_width("platforms")
        );
    }
}
