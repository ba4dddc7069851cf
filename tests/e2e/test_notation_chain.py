"""A notation signature's certificate chain must lead to the trust store's certificate through
CAs: a certificate the trusted CA issued for something else (not a CA) cannot vouch for a signer
of its own making. Built here with the demo CA's key (the demo registry's, made at its build)
and pushed to a private repository of the demo registry; `fathom verify` must refuse the forged
chain and accept the honest one."""

import base64
import datetime
import hashlib
import json
import subprocess
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from conftest import fetch_manifest, push_blob, push_manifest

REPOSITORY = "test-notation/chain"
MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def name(common):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def certificate(subject, key, issuer, issuer_key, ca=False, code_signing=True):
    builder = (x509.CertificateBuilder().subject_name(name(subject)).issuer_name(issuer.subject if issuer else name(subject))
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(datetime.datetime(2026, 1, 1)).not_valid_after(datetime.datetime(2036, 1, 1))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if code_signing:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def envelope(target, leaf_key, chain):
    protected = {"alg": "ES256", "crit": ["io.cncf.notary.signingScheme"],
                 "cty": "application/vnd.cncf.notary.payload.v1+json",
                 "io.cncf.notary.signingScheme": "notary.x509", "io.cncf.notary.signingTime": "2026-06-01T00:00:00Z"}
    encoded = [b64url(json.dumps(p).encode()) for p in (protected, {"targetArtifact": target})]
    r, s = decode_dss_signature(leaf_key.sign(".".join(encoded).encode(), ec.ECDSA(hashes.SHA256())))
    return json.dumps({"payload": encoded[1], "protected": encoded[0],
                       "header": {"x5c": [base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode()
                                          for c in chain]},
                       "signature": b64url(r.to_bytes(32, "big") + s.to_bytes(32, "big"))}).encode()


def attach(registry, tag, target, signature):
    """The image `target` tagged `tag`, `signature` attached to it as a notation referrer."""
    layer = push_blob(registry, REPOSITORY, signature)
    empty = push_blob(registry, REPOSITORY, b"{}")
    referrer = json.dumps({
        "schemaVersion": 2, "mediaType": MANIFEST, "artifactType": "application/vnd.cncf.notary.signature",
        "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": empty, "size": 2},
        "layers": [{"mediaType": "application/jose+json", "digest": layer, "size": len(signature)}],
        "subject": target}).encode()
    digest = "sha256:" + hashlib.sha256(referrer).hexdigest()
    push_manifest(registry, REPOSITORY, digest, referrer, MANIFEST)
    index = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                        "manifests": [{"mediaType": MANIFEST, "digest": digest, "size": len(referrer),
                                       "artifactType": "application/vnd.cncf.notary.signature"}]}).encode()
    push_manifest(registry, REPOSITORY, target["digest"].replace(":", "-"), index,
                  "application/vnd.oci.image.index.v1+json")


def test_a_chain_through_a_certificate_that_is_no_ca_is_refused(demo, fathom):
    registry, keys = demo["FATHOM_REGISTRY"], Path(demo["FATHOM_DEMO_KEYS"])
    ca_key = serialization.load_pem_private_key((keys / "rsa.key").read_bytes(), None)
    ca = x509.load_pem_x509_certificate((keys / "notation-ca.crt").read_bytes())
    # Two images of the demo's busybox (amd64, arm64), copied here without their signatures.
    for source, tag in (("signed", "honest"), ("copied", "forged")):
        subprocess.run(["skopeo", "copy", "--src-tls-verify=false", "--dest-tls-verify=false",
                        f"docker://{registry}/demo/notation:{source}", f"docker://{registry}/{REPOSITORY}:{tag}"],
                       check=True, capture_output=True)
    body, media = fetch_manifest(registry, REPOSITORY, "honest", MANIFEST)
    target = {"mediaType": media, "digest": "sha256:" + hashlib.sha256(body).hexdigest(), "size": len(body)}
    # Honest: a leaf the CA issued.
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    attach(registry, "honest", target, envelope(target, leaf_key, [certificate("a signer", leaf_key, ca, ca_key), ca]))
    # Forged: a certificate the CA issued for something else (not a CA) issues a "signer".
    other_key = ec.generate_private_key(ec.SECP256R1())
    other = certificate("another team's service", other_key, ca, ca_key, code_signing=False)
    forger_key = ec.generate_private_key(ec.SECP256R1())
    forged_leaf = certificate("release signer", forger_key, other, other_key)
    body, media = fetch_manifest(registry, REPOSITORY, "forged", MANIFEST)
    forged_target = {"mediaType": media, "digest": "sha256:" + hashlib.sha256(body).hexdigest(), "size": len(body)}
    attach(registry, "forged", forged_target, envelope(forged_target, forger_key, [forged_leaf, other, ca]))

    def verify(tag):
        out = subprocess.run([fathom, "verify", f"{registry}/{REPOSITORY}:{tag}", "--key", str(keys / "notation-ca.crt"),
                              "--platform", "none", "--format", "json"], capture_output=True, text=True)
        return out.returncode, json.loads(out.stdout)

    code, honest = verify("honest")
    assert (code, honest["verdict"]) == (0, "verified"), honest
    assert honest["signatures"][0]["signer"]["subject"] == "CN=a signer"
    code, forged = verify("forged")
    assert code == 1 and forged["verdict"] == "invalid", forged
    assert forged["signatures"][0]["verdict"] == "not-this-key", forged
