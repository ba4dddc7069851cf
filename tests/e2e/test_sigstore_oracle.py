"""Sigstore's own verifiers as oracles: sigstore-python (PyPI `sigstore`) and @sigstore/verify
(npm, sigstore-js's), each offline with the same trusted root, and `fathom verify-blob` must
agree on every real bundle
(tests/data/signatures/PROVENANCE.md) and on every tampering of them — each part of a bundle
changed in turn: what it signs, its signature, its certificate, its log entry's time, signed
timestamp, inclusion proof and checkpoint, who is expected to have signed, and a root without
the certificate transparency logs whose SCTs the certificates embed — and on the bundles the
demo registry's Sigstore makes, so that its keyless signatures are held to the real verifiers."""

import base64
import copy
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests/data/signatures"
BUNDLES = DATA / "sigstore-bundles"
SIGSTORE = Path(sys.executable).parent / "sigstore"
SIGSTORE_JS = ROOT / "tests/support/sigstore_verify.js"

STAGING = BUNDLES / "sigstore-trusted-root.staging.json"
PUBLIC_GOOD = DATA / "sigstore-trusted-root.public-good.json"
OAUTH = "https://github.com/login/oauth"
ACTIONS = "https://token.actions.githubusercontent.com"
WORKFLOW = "https://github.com/trailofbits/rfc8785.py/.github/workflows/release.yml@refs/tags/v0.1.2"

# (bundle, the file it signs, trusted root, identity, issuer): each verifies as it is.
REAL = {
    "v0.3 staging": ("bundle_v3.txt.sigstore", "bundle_v3.txt", STAGING, "william@yossarian.net", OAUTH),
    "v0.2 public-good": ("bundle_v3_github.whl.sigstore", "bundle_v3_github.whl", PUBLIC_GOOD, WORKFLOW, ACTIONS),
    "v0.1 P-384 key": ("bundle.txt.sigstore", "bundle.txt", STAGING, "a@tny.town", OAUTH),
}


def flip(text, at=0):
    raw = bytearray(base64.b64decode(text))
    raw[at] ^= 1
    return base64.b64encode(bytes(raw)).decode()


def entry(bundle):
    return bundle["verificationMaterial"]["tlogEntries"][0]


def flip_path(bundle):
    proof = entry(bundle)["inclusionProof"]
    proof["hashes"][0] = flip(proof["hashes"][0])


def edit_checkpoint(bundle):
    proof = entry(bundle)["inclusionProof"]
    note = proof["checkpoint"]["envelope"]
    proof["checkpoint"]["envelope"] = note.replace(proof["rootHash"], flip(proof["rootHash"]))


def move_time(bundle):
    entry(bundle)["integratedTime"] = str(int(entry(bundle)["integratedTime"]) + 1)


def flip_signature(bundle):
    signature = bundle["messageSignature"]["signature"]
    bundle["messageSignature"]["signature"] = flip(signature, len(base64.b64decode(signature)) - 1)


def flip_set(bundle):
    promise = entry(bundle)["inclusionPromise"]
    promise["signedEntryTimestamp"] = flip(promise["signedEntryTimestamp"], 10)


def drop(*path):
    def edit(bundle):
        node = bundle
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]

    return edit


def certificate_of(bundle):
    material = bundle["verificationMaterial"]
    if "certificate" in material:
        return material["certificate"]
    return material["x509CertificateChain"]["certificates"][0]


def swap_certificate(bundle):
    """Another real certificate (another bundle's) in place of the signer's."""
    mine = certificate_of(bundle)
    for other in ("bundle_v3_github.whl.sigstore", "bundle_v3.txt.sigstore"):
        theirs = certificate_of(json.loads((BUNDLES / other).read_text()))["rawBytes"]
        if theirs != mine["rawBytes"]:
            mine["rawBytes"] = theirs
            return


TAMPERINGS = {
    "a path hash flipped": flip_path,
    "the checkpoint's root edited": edit_checkpoint,
    "the log time moved": move_time,
    "the signature flipped": flip_signature,
    "the signed entry timestamp flipped": flip_set,
    "no checkpoint": drop("verificationMaterial", "tlogEntries", 0, "inclusionProof", "checkpoint"),
    "no log entry": lambda b: b["verificationMaterial"].update(tlogEntries=[]),
    "another certificate": swap_certificate,
}


def fathom_verifies(fathom, bundle, file, root, identity, issuer):
    result = subprocess.run(
        [fathom, "verify-blob", str(file), "--bundle", str(bundle), "--trusted-root", str(root),
         "--certificate-identity", identity, "--certificate-oidc-issuer", issuer, "--format", "json"],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode in (0, 1), result.stderr
    verdict = json.loads(result.stdout)["verdict"]
    assert (result.returncode == 0) == (verdict == "verified"), result.stdout
    return verdict == "verified", result.stdout


def sigstore_verifies(tmp, bundle, file, root, identity, issuer):
    """sigstore-python, offline, trusting only `root` (a client trust config around it)."""
    config = tmp / "trust-config.json"
    config.write_text(json.dumps({
        "mediaType": "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json",
        "trustedRoot": json.loads(root.read_text()),
        # Unused offline, but a trust config must name where one would sign.
        "signingConfig": {
            "mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json",
            "caUrls": [], "oidcUrls": [], "rekorTlogUrls": [], "tsaUrls": [],
        },
    }))
    home = tmp / "home"
    home.mkdir(exist_ok=True)
    env = {**os.environ, "HOME": str(home), "XDG_CACHE_HOME": str(home / "cache"), "XDG_DATA_HOME": str(home / "data")}
    result = subprocess.run(
        [SIGSTORE, "--trust-config", str(config), "verify", "identity", "--offline", "--bundle", str(bundle),
         "--cert-identity", identity, "--cert-oidc-issuer", issuer, str(file)],
        capture_output=True, text=True, timeout=120, env=env,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode == 0, result.stderr


def sigstore_js_verifies(bundle, file, root, identity, issuer):
    """@sigstore/verify, from the repository's node_modules (`npm ci`)."""
    result = subprocess.run(
        ["node", SIGSTORE_JS, str(bundle), str(file), str(root), identity, issuer],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )
    assert result.stdout.startswith(("OK", "FAIL")), result.stderr
    return result.returncode == 0, result.stdout


# Not a change to the bundle: the trusted root without its certificate transparency logs, so no
# SCT the certificate embeds can be checked.
NO_CT_LOGS = "a root without its CT logs"


def cases():
    for name, (bundle, file, root, identity, issuer) in REAL.items():
        yield pytest.param(name, bundle, file, root, identity, issuer, None, True, id=f"{name}: as signed")
        for tampering in TAMPERINGS:
            yield pytest.param(name, bundle, file, root, identity, issuer, tampering, False, id=f"{name}: {tampering}")
        yield pytest.param(name, bundle, file, root, "someone@example.com", issuer, None, False,
                           id=f"{name}: another identity")
        yield pytest.param(name, bundle, "bundle_no_checkpoint.txt.sigstore", root, identity, issuer, None, False,
                           id=f"{name}: another file")
        yield pytest.param(name, bundle, file, root, identity, issuer, NO_CT_LOGS, False,
                           id=f"{name}: a root without its CT logs")
        other = PUBLIC_GOOD if root == STAGING else STAGING
        yield pytest.param(name, bundle, file, other, identity, issuer, None, False, id=f"{name}: another root")
    yield pytest.param("no checkpoint", "bundle_no_checkpoint.txt.sigstore", "bundle.txt", STAGING,
                       "william@yossarian.net", OAUTH, None, False, id="a real bundle without a checkpoint")


def all_three_say(fathom, tmp_path, path, file, root, identity, issuer, tampering, valid):
    """`path`'s bundle of `file`, tampered with as `tampering` says, checked by both Sigstore
    verifiers and by Fathom under `root`: each must find it `valid` (or not)."""
    if tampering == NO_CT_LOGS:
        edited = json.loads(root.read_text())
        edited["ctlogs"] = []
        root = tmp_path / "trusted-root.json"
        root.write_text(json.dumps(edited))
    elif tampering:
        document = copy.deepcopy(json.loads(path.read_text()))
        TAMPERINGS[tampering](document)
        path = tmp_path / "tampered.sigstore.json"
        path.write_text(json.dumps(document))
    python, why = sigstore_verifies(tmp_path, path, file, root, identity, issuer)
    js, js_why = sigstore_js_verifies(path, file, root, identity, issuer)
    ours, report = fathom_verifies(fathom, path, file, root, identity, issuer)
    assert python == valid, f"sigstore-python: {why}"
    assert js == valid, f"@sigstore/verify: {js_why}"
    assert ours == valid, f"fathom says {ours}, both oracles {valid}:\n{report}\n{why}\n{js_why}"


@pytest.mark.parametrize("name,bundle,file,root,identity,issuer,tampering,valid", list(cases()))
def test_fathom_agrees_with_both_sigstore_verifiers(fathom, tmp_path, name, bundle, file, root, identity, issuer,
                                            tampering, valid):
    all_three_say(fathom, tmp_path, BUNDLES / bundle, BUNDLES / file, root, identity, issuer, tampering, valid)


# The demo registry's Sigstore (scripts/demo-registry/sigstore_demo.py: a Fulcio-like authority, a
# CT log, a Rekor-like log), whose keyless signatures `demo/keyless` carries: a file signed by each
# of its signers, as `sigstore sign` bundles it, must be judged by both Sigstore verifiers as
# Fathom judges it — the demo is as faithful as the real services, SCTs, proofs and checkpoints
# included.
DEMO_SIGSTORE = ROOT / "scripts/demo-registry/sigstore_demo.py"
RELEASE = "https://github.com/fathom-demo/app/.github/workflows/release.yml@refs/tags/v1.2.0"
FORK = "https://github.com/someone-else/app/.github/workflows/release.yml@refs/tags/v1.2.0"
DEMO_SIGNED = BUNDLES / "bundle_v3.txt"


@pytest.fixture(scope="session")
def demo_sigstore(tmp_path_factory):
    """The demo Sigstore's trusted root and a bundle of DEMO_SIGNED by each of its signers."""
    directory = tmp_path_factory.mktemp("demo-sigstore")
    subprocess.run([sys.executable, DEMO_SIGSTORE, "root", directory], check=True)
    def bundle(name, *how):
        made = subprocess.run([sys.executable, DEMO_SIGSTORE, *map(str, how)], check=True, capture_output=True,
                              text=True)
        (directory / f"{name}.sigstore.json").write_text(made.stdout)

    for index, case in enumerate(("signed", "expired", "other-identity"), start=3):
        bundle(case, "bundle", case, index, DEMO_SIGNED)
    # As cosign v3 signs: an in-toto statement naming the file, in a DSSE envelope, a `dsse` entry.
    statement = directory / "statement.json"
    statement.write_text(json.dumps({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": DEMO_SIGNED.name, "digest": {"sha256": hashlib.sha256(DEMO_SIGNED.read_bytes()).hexdigest()}}],
        "predicateType": "https://sigstore.dev/cosign/sign/v1", "predicate": {},
    }))
    bundle("statement", "statement-bundle", "signed", 6, statement)
    return directory


def demo_cases():
    yield pytest.param("signed", RELEASE, None, True, id="demo Sigstore: the release workflow")
    yield pytest.param("expired", RELEASE, None, False, id="demo Sigstore: logged after its certificate expired")
    yield pytest.param("other-identity", RELEASE, None, False, id="demo Sigstore: another repository's workflow")
    yield pytest.param("other-identity", FORK, None, True, id="demo Sigstore: that repository's, asked for")
    yield pytest.param("statement", RELEASE, None, True, id="demo Sigstore: a statement in a DSSE envelope")
    for tampering in (*TAMPERINGS, NO_CT_LOGS):
        yield pytest.param("signed", RELEASE, tampering, False, id=f"demo Sigstore: {tampering}")


@pytest.mark.parametrize("case,identity,tampering,valid", list(demo_cases()))
def test_the_demo_sigstore_is_judged_alike_by_both_sigstore_verifiers_and_fathom(fathom, tmp_path, demo_sigstore, case,
                                                                               identity, tampering, valid):
    all_three_say(fathom, tmp_path, demo_sigstore / f"{case}.sigstore.json", DEMO_SIGNED,
                  demo_sigstore / "trusted_root.json", identity, ACTIONS, tampering, valid)
