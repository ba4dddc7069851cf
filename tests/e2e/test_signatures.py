"""An image's cosign signatures in the web app, in real headless Chromium: found by the file
worker under the demo registry's `demo/signed` (the `.sig` tag and a referrer), checked with the
public key the user pastes or loads from a file — the key staying in the page — and loud when a
signature is tampered with or belongs to another image."""

from pathlib import Path

from test_web import open_view, wait_for

SIGNED = "127.0.0.1:5555/demo/signed"


def open_signatures(page, tag, platform=None, repository=SIGNED):
    open_view(page, f"{repository}:{tag}", platform=platform)
    page.click("#open-signatures")
    page.wait_for_selector("#signature-badge, #signature-error", timeout=30_000)
    assert "sig=1" in page.url


def badge(page):
    return page.eval_on_selector("#signature-badge", "b => [b.className, b.innerText]")


def verify_with(page, key_text):
    page.fill("#signature-key", key_text)
    page.click("#verify-signatures")
    wait_for(page, "document.querySelector('#signature-progress') === null")
    page.wait_for_selector("#signature-badge, #signature-error", timeout=30_000)


def verdicts(page):
    return page.eval_on_selector_all("#signature-list tbody tr", "rs => rs.map(r => r.cells[4].innerText)")


def key(demo, name):
    return Path(demo["FATHOM_DEMO_KEYS"], f"{name}.pub")


def test_the_signed_index_and_its_image_verify_with_a_pasted_key(page, demo):
    open_signatures(page, "latest", platform="linux/amd64")
    # Found before any key is given: the index's three signatures and the amd64 image's one.
    cls, text = badge(page)
    assert cls == "badge unverified" and text.startswith("UNVERIFIED: 4 signatures found"), text
    assert verdicts(page) == ["not checked (no signer given)"] * 4
    pem = key(demo, "p256").read_text()
    verify_with(page, pem)
    cls, text = badge(page)
    assert cls == "badge verified" and text.startswith("VERIFIED: signed with the ECDSA P-256 key"), text
    assert sorted(verdicts(page)) == ["not by the signer given"] * 2 + ["verified"] * 2
    found_by = page.eval_on_selector_all("#signature-list tbody tr.added", "rs => rs.map(r => r.cells[1].innerText)")
    assert sorted(found_by) == ["referrer", "tag"]
    # The key is in no URL and in no storage.
    assert "BEGIN" not in page.url and "sig=1" in page.url
    stored = page.evaluate("JSON.stringify(Object.assign({}, localStorage, sessionStorage))")
    assert "PUBLIC KEY" not in stored


def test_a_key_loaded_from_a_file_verifies_the_rsa_signature(page, demo):
    open_signatures(page, "latest")
    page.set_input_files("#signature-key-file", str(key(demo, "rsa")))
    wait_for(page, "document.querySelector('#signature-key').value.includes('BEGIN PUBLIC KEY')")
    page.click("#verify-signatures")
    wait_for(page, "document.querySelector('#signature-badge')?.className === 'badge verified'")
    assert "RSA 3072-bit key" in badge(page)[1]


def test_a_cosign_v3_bundle_referrer_verifies_in_the_page(page, demo):
    open_signatures(page, "bundle")
    assert page.eval_on_selector_all("#signature-list tbody tr", "rs => rs.map(r => r.cells[1].innerText)") == [
        "referrer · Sigstore bundle"]
    verify_with(page, key(demo, "p256").read_text())
    cls, text = badge(page)
    assert cls == "badge verified" and text.startswith("VERIFIED: signed with the ECDSA P-256 key"), text
    verify_with(page, key(demo, "rsa").read_text())
    assert badge(page)[0] == "badge invalid"


def test_tampered_and_copied_signatures_are_red(page, demo):
    pem = key(demo, "p256").read_text()
    for tag, code in [("tampered-payload", "signature-invalid"), ("wrong-digest", "signature-wrong-image"),
                      ("copied-signature", "signature-wrong-image"), ("bundle-copied", "signature-wrong-image")]:
        open_signatures(page, tag)
        verify_with(page, pem)
        cls, text = badge(page)
        assert cls == "badge invalid" and text.startswith("INVALID"), (tag, text)
        problems = page.inner_text("#signature-problems")
        assert code in problems, (tag, problems)


def test_an_unsigned_image_and_an_unusable_key_say_so(page, demo):
    open_signatures(page, "unsigned")
    cls, text = badge(page)
    assert cls == "badge unsigned" and text.startswith("UNSIGNED"), text
    verify_with(page, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    error = page.inner_text("#signature-error")
    assert "this is a private key" in error, error


def check_keyless(page, root, identity, issuer, tag="latest", repository=SIGNED):
    """Opens the signatures of `repository:tag` (demo/signed:latest) and checks them under a
    keyless policy: `root` loaded from its file, `identity` and `issuer` typed."""
    open_signatures(page, tag, repository=repository)
    page.click("#keyless summary")
    page.set_input_files("#signature-root-file", str(root))
    page.fill("#signature-identity", identity)
    page.fill("#signature-issuer", issuer)
    # The root is read from its file in the page before it is used.
    page.wait_for_selector("#signature-root-loaded")
    page.click("#verify-signatures")


def test_a_keyless_check_takes_a_trusted_root_file_and_an_identity(page):
    """demo/signed's signatures are made with keys, none keyless: under a keyless policy none
    verifies, and the badge says with which identity it looked."""
    root = Path(__file__).resolve().parents[1] / "data/signatures/sigstore-trusted-root.public-good.json"
    check_keyless(page, root, "https://github.com/org/repo/.github/workflows/release.yaml@refs/heads/main",
                  "https://token.actions.githubusercontent.com")
    wait_for(page, "document.querySelector('#signature-badge')?.className === 'badge invalid'")
    problems = page.inner_text("#signature-problems")
    assert "signature-invalid" in problems and "keyless identity https://github.com/org/repo" in problems, problems
    assert verdicts(page) == ["not by the signer given"] * 3


RELEASE = "https://github.com/fathom-demo/app/.github/workflows/release.yml@refs/tags/v1.2.0"
GITHUB = "https://token.actions.githubusercontent.com"


def test_demo_keyless_signatures_are_checked_in_the_page_under_the_demo_root(page, demo):
    """demo/keyless, signed by the demo Sigstore: the release workflow's signature verifies and
    names who signed; one logged after its certificate expired is red; another repository's is
    that repository's, not the identity asked for."""
    root = Path(demo["FATHOM_DEMO_KEYS"], "trusted_root.json")
    repository = "127.0.0.1:5555/demo/keyless"
    check_keyless(page, root, RELEASE, GITHUB, tag="signed", repository=repository)
    wait_for(page, "document.querySelector('#signature-badge')?.className === 'badge verified'")
    assert RELEASE in badge(page)[1], badge(page)
    assert verdicts(page) == [f"verified · signed by {RELEASE} ({GITHUB})"], verdicts(page)
    check_keyless(page, root, RELEASE, GITHUB, tag="expired", repository=repository)
    wait_for(page, "document.querySelector('#signature-badge')?.className === 'badge invalid'")
    assert "signature-certificate-expired" in page.inner_text("#signature-problems")
    check_keyless(page, root, RELEASE, GITHUB, tag="other-identity", repository=repository)
    wait_for(page, "document.querySelector('#signature-badge')?.className === 'badge invalid'")
    fork = RELEASE.replace("fathom-demo", "someone-else")
    assert verdicts(page) == [f"not by the signer given · signed by {fork} ({GITHUB}), not the identity expected"], \
        verdicts(page)


def test_a_file_that_is_no_trusted_root_is_refused(page, tmp_path):
    bad = tmp_path / "trusted_root.json"
    bad.write_text('{"mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1"}')
    check_keyless(page, bad, "someone@example.com", "https://accounts.google.com")
    page.wait_for_selector("#signature-error")
    assert "the trusted root cannot be used" in page.inner_text("#signature-error")


def test_a_notation_signature_verifies_with_its_certificate_in_the_page(page, demo):
    open_view(page, "127.0.0.1:5555/demo/notation:signed")
    page.click("#open-signatures")
    page.wait_for_selector("#signature-badge, #signature-error", timeout=30_000)
    assert badge(page)[0] == "badge unverified"
    verify_with(page, Path(demo["FATHOM_DEMO_KEYS"], "notation-ca.crt").read_text())
    cls, text = badge(page)
    assert cls == "badge verified" and "certificate CN=Fathom demo notation CA" in text, text
    assert "signed by CN=demo signer" in page.inner_text("#signature-list")
    # notation-go's real signature of another artifact, attached to another image: red.
    open_view(page, "127.0.0.1:5555/demo/notation:copied")
    page.click("#open-signatures")
    page.wait_for_selector("#signature-badge", timeout=30_000)
    assert badge(page)[0] == "badge invalid"
    assert "signature-wrong-image" in page.inner_text("#signature-problems")
