//! Table tests from distribution/reference's own tests (`reference_test.go`,
//! `normalize_test.go`, `regexp_test.go`), recorded in `tests/data/reference-cases.json` with
//! the Go test each case came from. Each case is what `ParseNormalizedNamed` returns.

use fathom_core::Reference;
use serde_json::Value;

fn cases() -> Vec<Value> {
    serde_json::from_str(include_str!("data/reference-cases.json")).expect("reference-cases.json is JSON")
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// Go's error categories, and Fathom's finer codes that fall under each.
fn accepted_codes(go_error: &str) -> &'static [&'static str] {
    match go_error {
        // Go reports every grammar failure as one "invalid reference format".
        "invalid-format" => &[
            "name-empty",
            "tag-invalid",
            "tag-too-long",
            "domain-invalid",
            "path-invalid",
            "digest-invalid",
            "name-contains-uppercase",
        ],
        // Go lowercases only up to the first ':', so an uppercase digest algorithm is reported as
        // an uppercase name; Fathom says what is really wrong.
        "name-contains-uppercase" => &["name-contains-uppercase", "digest-invalid"],
        "name-too-long" => &["name-too-long"],
        "digest-invalid" => &["digest-invalid"],
        "name-not-canonical" => &["name-is-image-id"],
        other => panic!("unknown Go error category {other}"),
    }
}

#[test]
fn every_case_behaves_as_distribution_reference() {
    let cases = cases();
    assert!(cases.len() >= 200, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let input = text(case, "input").unwrap();
        let source = text(case, "source").unwrap_or_default();
        let result = Reference::parse(&input);
        if case["ok"] == true {
            let r = match result {
                Ok(r) => r,
                Err(e) => {
                    failures.push(format!("{input:?} should parse ({source}): {e}"));
                    continue;
                }
            };
            let got = (
                r.registry().to_owned(),
                r.repository().to_owned(),
                r.tag().map(str::to_owned),
                r.digest().map(ToString::to_string),
            );
            let want = (
                text(case, "domain").unwrap(),
                text(case, "path").unwrap(),
                text(case, "tag"),
                text(case, "digest"),
            );
            if got != want {
                failures.push(format!("{input:?}: got {got:?}, want {want:?} ({source})"));
            }
            // Go's String()/FamiliarString() add no implicit :latest; Fathom's canonical does.
            let implicit = if r.tag().is_none() && r.digest().is_none() {
                ":latest"
            } else {
                ""
            };
            let canonical = text(case, "canonical").unwrap() + implicit;
            let familiar = text(case, "familiar").unwrap() + implicit;
            if r.canonical() != canonical || r.familiar() != familiar {
                failures.push(format!(
                    "{input:?}: got {} / {}, want {canonical} / {familiar}",
                    r.canonical(),
                    r.familiar()
                ));
            }
        } else {
            let go_error = text(case, "error").unwrap();
            match result {
                Ok(r) => failures.push(format!(
                    "{input:?} should fail with {go_error} ({source}), parsed as {r}"
                )),
                Err(e) if !accepted_codes(&go_error).contains(&e.code()) => {
                    failures.push(format!("{input:?}: Go says {go_error}, Fathom says {} ({e})", e.code()))
                }
                Err(e) => assert!(e.to_string().len() > 20, "{input:?}: message too short: {e}"),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
