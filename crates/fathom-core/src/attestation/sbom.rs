//! SBOMs: SPDX 2.x JSON (what BuildKit's syft scanner attaches, predicate type
//! `https://spdx.dev/Document`; also a referrer artifact `application/spdx+json`) and CycloneDX
//! JSON (`https://cyclonedx.org/bom`; `application/vnd.cyclonedx+json`), read into one package
//! list — name, version, purl, licence, supplier, ecosystem (the purl's type) — counted by
//! ecosystem and searchable. Field maps: SPDX 2.3 §7 (packages) and §11 (externalRefs, `purl`);
//! CycloneDX 1.2–1.7 `components` (nested ones too), `licenses`, `supplier`, `publisher`.

use std::collections::BTreeMap;
use std::str::FromStr;

use packageurl::PackageUrl;
use serde::Serialize;
use serde_json::Value;

use super::Statement;
use crate::finding::{Code, Finding};

/// The predicate type of an SPDX document in an in-toto statement.
pub const SPDX_PREDICATE: &str = "https://spdx.dev/Document";
/// The predicate type of a CycloneDX document in an in-toto statement.
pub const CYCLONEDX_PREDICATE: &str = "https://cyclonedx.org/bom";

/// An SBOM's packages, and what made it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Sbom {
    /// `SPDX-2.3`, `CycloneDX 1.5`.
    pub format: String,
    /// The document's name (SPDX) or its subject component (CycloneDX).
    pub name: Option<String>,
    /// The tools that made it.
    pub tools: Vec<String>,
    /// When it was made.
    pub created: Option<String>,
    /// Every package, in the document's order.
    pub packages: Vec<Package>,
}

/// One package.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Package {
    /// Its name.
    pub name: String,
    /// Its version.
    pub version: Option<String>,
    /// Its package URL.
    pub purl: Option<String>,
    /// Its licence (SPDX: concluded, else declared; `NOASSERTION` is none).
    pub licence: Option<String>,
    /// Who supplies it (SPDX `supplier` without its `Organization:` prefix; CycloneDX
    /// `supplier.name`, else `publisher`).
    pub supplier: Option<String>,
    /// Its ecosystem: the purl's type (`apk`, `deb`, `golang`, `npm`), or `unknown`.
    pub ecosystem: String,
}

impl Sbom {
    /// The SBOM `statement` holds, when its predicate is SPDX or CycloneDX.
    pub fn of(statement: &Statement, at: &str) -> Option<Result<Sbom, Finding>> {
        match statement.predicate_type.as_str() {
            SPDX_PREDICATE | CYCLONEDX_PREDICATE => Some(Sbom::from_value(&statement.predicate, at)),
            _ => None,
        }
    }

    /// An SBOM document's bytes (SPDX or CycloneDX JSON).
    pub fn read(bytes: &[u8], at: &str) -> Result<Sbom, Finding> {
        let value: Value = serde_json::from_slice(bytes)
            .map_err(|e| Finding::error(Code::AttestationUnreadable, at, format!("not JSON: {e}")))?;
        Sbom::from_value(&value, at)
    }

    fn from_value(doc: &Value, at: &str) -> Result<Sbom, Finding> {
        if let Some(version) = doc["spdxVersion"].as_str() {
            Ok(spdx(doc, version))
        } else if doc["bomFormat"].as_str() == Some("CycloneDX") {
            Ok(cyclonedx(doc))
        } else {
            Err(Finding::error(
                Code::AttestationUnreadable,
                at,
                "neither an SPDX document (spdxVersion) nor a CycloneDX one (bomFormat)",
            ))
        }
    }

    /// The SBOM in a sentence: format, tools, packages by ecosystem.
    pub fn summary(&self) -> String {
        let n = self.packages.len();
        let plural = if n == 1 { "" } else { "s" };
        let tools = if self.tools.is_empty() {
            String::new()
        } else {
            format!(" by {}", self.tools.join(", "))
        };
        let counts: Vec<String> = self
            .by_ecosystem()
            .into_iter()
            .map(|(e, n)| format!("{e} {n}"))
            .collect();
        format!("{}{tools}: {n} package{plural} — {}", self.format, counts.join(", "))
    }

    /// How many packages each ecosystem has.
    pub fn by_ecosystem(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for package in &self.packages {
            *counts.entry(package.ecosystem.clone()).or_default() += 1;
        }
        counts
    }

    /// The packages whose name, version, purl, licence or supplier contains `query` (ignoring
    /// case); `ecosystem=NAME` keeps one ecosystem.
    pub fn matching(&self, query: &str) -> Vec<&Package> {
        let query = query.trim().to_lowercase();
        self.packages.iter().filter(|p| p.matches(&query)).collect()
    }
}

impl Package {
    /// Whether the package matches a lowercased query (see [`Sbom::matching`]).
    fn matches(&self, query: &str) -> bool {
        if let Some(ecosystem) = query.strip_prefix("ecosystem=") {
            return self.ecosystem == ecosystem;
        }
        let fields = [
            Some(&self.name),
            self.version.as_ref(),
            self.purl.as_ref(),
            self.licence.as_ref(),
            self.supplier.as_ref(),
        ];
        fields.into_iter().flatten().any(|f| f.to_lowercase().contains(query))
    }

    fn with_purl(mut self, purl: Option<String>) -> Package {
        self.ecosystem = purl
            .as_deref()
            .and_then(|p| PackageUrl::from_str(p).ok())
            .map_or_else(|| "unknown".to_owned(), |p| p.ty().to_owned());
        self.purl = purl;
        self
    }
}

/// A string that says something (SPDX writes `NOASSERTION` and `NONE` for nothing).
fn said(v: &Value) -> Option<String> {
    v.as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty() && *s != "NOASSERTION" && *s != "NONE")
        .map(str::to_owned)
}

fn spdx(doc: &Value, version: &str) -> Sbom {
    let packages = doc["packages"].as_array().into_iter().flatten().map(|p| {
        let purl = p["externalRefs"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|r| r["referenceType"].as_str() == Some("purl"))
            .and_then(|r| said(&r["referenceLocator"]));
        let supplier = said(&p["supplier"]).map(|s| {
            let named = s.split_once(": ").map_or(s.as_str(), |(_, name)| name);
            named.to_owned()
        });
        Package {
            name: said(&p["name"]).unwrap_or_default(),
            version: said(&p["versionInfo"]),
            licence: said(&p["licenseConcluded"]).or_else(|| said(&p["licenseDeclared"])),
            supplier,
            ..Package::default()
        }
        .with_purl(purl)
    });
    Sbom {
        format: version.to_owned(),
        name: said(&doc["name"]),
        tools: strings(&doc["creationInfo"]["creators"]),
        created: said(&doc["creationInfo"]["created"]),
        packages: packages.collect(),
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().into_iter().flatten().filter_map(said).collect()
}

fn cyclonedx(doc: &Value) -> Sbom {
    let mut packages = Vec::new();
    components(&doc["components"], &mut packages);
    let metadata = &doc["metadata"];
    // Tools: an array of {vendor, name, version} (1.2–1.4), or {components: […]} (1.5 on).
    let tools = metadata["tools"]
        .as_array()
        .or_else(|| metadata["tools"]["components"].as_array())
        .into_iter()
        .flatten()
        .filter_map(|t| {
            let name = said(&t["name"])?;
            Some(match said(&t["version"]) {
                Some(version) => format!("{name} {version}"),
                None => name,
            })
        })
        .collect();
    Sbom {
        format: format!("CycloneDX {}", doc["specVersion"].as_str().unwrap_or("?")),
        name: said(&metadata["component"]["name"]),
        tools,
        created: said(&metadata["timestamp"]),
        packages,
    }
}

/// CycloneDX components, nested ones after their parent.
fn components(v: &Value, into: &mut Vec<Package>) {
    for c in v.as_array().into_iter().flatten() {
        let licences: Vec<String> = c["licenses"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|l| {
                said(&l["expression"])
                    .or_else(|| said(&l["license"]["id"]))
                    .or_else(|| said(&l["license"]["name"]))
            })
            .collect();
        let name = match said(&c["group"]) {
            Some(group) => format!("{group}/{}", said(&c["name"]).unwrap_or_default()),
            None => said(&c["name"]).unwrap_or_default(),
        };
        into.push(
            Package {
                name,
                version: said(&c["version"]),
                licence: (!licences.is_empty()).then(|| licences.join(" AND ")),
                supplier: said(&c["supplier"]["name"]).or_else(|| said(&c["publisher"])),
                ..Package::default()
            }
            .with_purl(said(&c["purl"])),
        );
        components(&c["components"], into);
    }
}
