"""A demo Sigstore, for the demo registry's keyless signatures: a Fulcio-like certificate
authority, a certificate transparency (CT) log and a Rekor-like transparency log, each with a
key made from a fixed seed, and the trusted root that names them.

`cosign sign` without a key (keyless) asks Fulcio for a certificate binding a fresh key to the
signer's OIDC identity, signs, and uploads the signature to Rekor; it then writes, beside the
signature, the certificate, its chain and Rekor's signed entry timestamp (SET) — cosign v2's
`.sig` tag, sigstore/cosign `pkg/cosign/sign.go`, `pkg/oci/static`. None of these services runs
here, so this does what each of them signs, in their shapes:
  - Fulcio (sigstore/fulcio `docs/certificate-specification.md`, `docs/oid-info.md`): a root
    and an intermediate (ECDSA P-384), and a leaf for the signer's key (P-256) valid 10 minutes,
    its subject alternative name the identity, the OIDC issuer in extensions 1.3.6.1.4.1.57264.1.1
    (raw) and .1.8 (UTF8String), the source repository and commit in .1.12 and .1.13, and an
    embedded SCT;
  - the CT log (RFC 6962 §3.2–3.3): the SCT over the precertificate entry — the leaf's
    TBSCertificate without the SCT extension, and the sha256 of its issuer's key;
  - Rekor (sigstore/rekor `pkg/types/hashedrekord/v0.0.1`, `pkg/api/entries.go`): a
    `hashedrekord` entry — the payload's sha256, the signature, the certificate — and the SET,
    its key's signature over the canonical JSON of body, integrated time, log id and index.

Every signature here is deterministic (RFC 6979 ECDSA) and every time fixed, so the demo
registry gives the same digests on every build. Demo keys, public by construction: never trust
this root for anything real.

    sigstore_demo.py root DIR                        writes DIR/trusted_root.json
    sigstore_demo.py sign CASE INDEX PAYLOAD         prints, as JSON, the keyless signature of
                                                     PAYLOAD's bytes for CASE (see CASES), logged
                                                     as entry INDEX: the signature, the
                                                     certificate, its chain, cosign's Rekor bundle
    sigstore_demo.py bundle CASE INDEX FILE          prints the Sigstore bundle (v0.3) of FILE for
                                                     CASE, logged as entry INDEX, with its
                                                     inclusion proof and signed checkpoint
    sigstore_demo.py statement-bundle CASE INDEX STATEMENT
                                                     the same for an in-toto STATEMENT in a DSSE
                                                     envelope (a `dsse` entry), as cosign v3 signs
                                                     an image
"""

import base64
import datetime
import hashlib
import json
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from cosign_sign import pae  # DSSE's pre-authentication encoding, as the keyed signer uses it

ISSUER = "https://token.actions.githubusercontent.com"
REPOSITORY = "https://github.com/fathom-demo/app"
WORKFLOW = REPOSITORY + "/.github/workflows/release.yml@refs/tags/v1.2.0"
FORK = "https://github.com/someone-else/app"
COMMIT = "4f6c8e2a9d1b3c5e7f9a0b2c4d6e8f0a1b3c5d7e"

# When the demo certificates are issued: the authority's and logs' keys are valid from then on.
EPOCH = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)

# The signers: identity, repository, and when the log took the signature (seconds after the
# certificate was issued; it is valid for 600).
CASES = {
    # The release workflow, logged 30 s after its certificate was issued.
    "signed": (WORKFLOW, REPOSITORY, 30),
    # The same workflow, but logged 20 minutes after its certificate expired: cosign refuses it.
    "expired": (WORKFLOW, REPOSITORY, 1800),
    # Another repository's workflow: a valid signature, not by the identity a user expects.
    "other-identity": (FORK + "/.github/workflows/release.yml@refs/tags/v1.2.0", FORK, 30),
}

CODE_SIGNING = ExtendedKeyUsageOID.CODE_SIGNING
SCT_LIST = ObjectIdentifier("1.3.6.1.4.1.11129.2.4.2")
P384_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def key(name: str, curve: ec.EllipticCurve) -> ec.EllipticCurvePrivateKey:
    """A key made from `name`: the same on every build."""
    order = P384_ORDER if isinstance(curve, ec.SECP384R1) else P256_ORDER
    digest = hashlib.sha512(f"fathom demo sigstore {name} key".encode()).digest()
    return ec.derive_private_key(int.from_bytes(digest, "big") % (order - 1) + 1, curve)


def spki(private: ec.EllipticCurvePrivateKey) -> bytes:
    return private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def signs(private: ec.EllipticCurvePrivateKey, data: bytes) -> bytes:
    return private.sign(data, ec.ECDSA(hashes.SHA256(), deterministic_signing=True))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    octets = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(octets)]) + octets


def der_utf8(text: str) -> bytes:
    data = text.encode()
    return b"\x0c" + der_length(len(data)) + data


def der_octets(data: bytes) -> bytes:
    return b"\x04" + der_length(len(data)) + data


def name(common_name: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Fathom demo sigstore"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def authority():
    """Fulcio's root and intermediate (as sigstore's public-good instance has them: P-384, the
    intermediate limited to issuing code-signing certificates), valid ten years."""
    root_key, intermediate_key = key("fulcio root", ec.SECP384R1()), key("fulcio intermediate", ec.SECP384R1())
    end = EPOCH + datetime.timedelta(days=3650)
    ca_usage = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
    root = (x509.CertificateBuilder().subject_name(name("demo fulcio root")).issuer_name(name("demo fulcio root"))
            .public_key(root_key.public_key()).serial_number(1).not_valid_before(EPOCH).not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
            .add_extension(ca_usage, critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA384(), ecdsa_deterministic=True))
    intermediate = (x509.CertificateBuilder().subject_name(name("demo fulcio intermediate")).issuer_name(root.subject)
                    .public_key(intermediate_key.public_key()).serial_number(2).not_valid_before(EPOCH)
                    .not_valid_after(end)
                    .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                    .add_extension(ca_usage, critical=True)
                    .add_extension(x509.ExtendedKeyUsage([CODE_SIGNING]), critical=False)
                    .add_extension(x509.SubjectKeyIdentifier.from_public_key(intermediate_key.public_key()),
                                   critical=False)
                    .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
                                   critical=False)
                    .sign(root_key, hashes.SHA384(), ecdsa_deterministic=True))
    return intermediate_key, intermediate, root


def sct(leaf_tbs: bytes, issuer_spki: bytes, at_ms: int) -> bytes:
    """The CT log's SCT for a precertificate whose TBSCertificate is `leaf_tbs`, TLS-encoded."""
    ct_key = key("ct log", ec.SECP256R1())
    signed = (b"\x00\x00" + at_ms.to_bytes(8, "big") + b"\x00\x01" + hashlib.sha256(issuer_spki).digest()
              + len(leaf_tbs).to_bytes(3, "big") + leaf_tbs + b"\x00\x00")
    signature = signs(ct_key, signed)
    # v1, log id, timestamp, no extensions, sha256 (4) with ECDSA (3), the signature.
    return (b"\x00" + hashlib.sha256(spki(ct_key)).digest() + at_ms.to_bytes(8, "big") + b"\x00\x00"
            + b"\x04\x03" + len(signature).to_bytes(2, "big") + signature)


def leaf(case: str):
    """The signer's key and its Fulcio certificate for `case`, with its SCT embedded."""
    identity, repository, _ = CASES[case]
    signer_key = key(f"signer {case}", ec.SECP256R1())
    intermediate_key, intermediate, _ = authority()
    builder = (x509.CertificateBuilder().subject_name(x509.Name([])).issuer_name(intermediate.subject)
               .public_key(signer_key.public_key())
               .serial_number(int.from_bytes(hashlib.sha256(f"serial {case}".encode()).digest()[:16], "big"))
               .not_valid_before(EPOCH).not_valid_after(EPOCH + datetime.timedelta(minutes=10))
               .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
               .add_extension(x509.ExtendedKeyUsage([CODE_SIGNING]), critical=False)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(signer_key.public_key()), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(intermediate_key.public_key()),
                              critical=False)
               .add_extension(x509.SubjectAlternativeName([x509.UniformResourceIdentifier(identity)]), critical=True)
               .add_extension(x509.UnrecognizedExtension(ObjectIdentifier("1.3.6.1.4.1.57264.1.1"), ISSUER.encode()),
                              critical=False)
               .add_extension(x509.UnrecognizedExtension(ObjectIdentifier("1.3.6.1.4.1.57264.1.8"), der_utf8(ISSUER)),
                              critical=False)
               .add_extension(x509.UnrecognizedExtension(ObjectIdentifier("1.3.6.1.4.1.57264.1.12"),
                                                         der_utf8(repository)), critical=False)
               .add_extension(x509.UnrecognizedExtension(ObjectIdentifier("1.3.6.1.4.1.57264.1.13"), der_utf8(COMMIT)),
                              critical=False))
    # The precertificate's TBSCertificate is the final one's without the SCT extension: the SCT
    # goes last, so that dropping it gives these very bytes.
    precert = builder.sign(intermediate_key, hashes.SHA384(), ecdsa_deterministic=True)
    timestamp = sct(precert.tbs_certificate_bytes, spki(intermediate_key), int(EPOCH.timestamp()) * 1000)
    listed = len(timestamp).to_bytes(2, "big") + timestamp
    sct_list = len(listed).to_bytes(2, "big") + listed
    final = (builder.add_extension(x509.UnrecognizedExtension(SCT_LIST, der_octets(sct_list)), critical=False)
             .sign(intermediate_key, hashes.SHA384(), ecdsa_deterministic=True))
    return signer_key, final


def pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def canonical(value) -> bytes:
    """Canonical JSON (RFC 8785) for what is signed here: keys sorted, no spaces, ASCII text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def hashedrekord(payload: bytes, signature: bytes, certificate: x509.Certificate) -> dict:
    """A `hashedrekord` entry (sigstore/rekor `pkg/types/hashedrekord/v0.0.1`): the signed bytes'
    sha256, the signature, the certificate."""
    return {
        "apiVersion": "0.0.1", "kind": "hashedrekord",
        "spec": {"data": {"hash": {"algorithm": "sha256", "value": hashlib.sha256(payload).hexdigest()}},
                 "signature": {"content": b64(signature), "publicKey": {"content": b64(pem(certificate).encode())}}},
    }


def logged(case: str, index: int, payload: bytes, envelope_of=None):
    """The keyless signature of `payload` for `case`, logged as entry `index`: the signature, the
    certificate, the entry's canonical body, what its SET signs, and the SET. With `envelope_of`
    (a statement's payload type), the signature is a DSSE envelope's over its pre-authentication
    encoding, logged as a `dsse` entry."""
    signer_key, certificate = leaf(case)
    if envelope_of is None:
        signature = signs(signer_key, payload)
        body = canonical(hashedrekord(payload, signature, certificate))
    else:
        signature = signs(signer_key, pae(envelope_of, payload))
        body = canonical(dsse_entry(envelope_of, payload, signature, certificate))
    rekor_key = key("rekor", ec.SECP256R1())
    entry = {"body": b64(body), "integratedTime": int(EPOCH.timestamp()) + CASES[case][2],
             "logID": hashlib.sha256(spki(rekor_key)).hexdigest(), "logIndex": index}
    return signature, certificate, body, entry, signs(rekor_key, canonical(entry))


def envelope(payload_type: str, payload: bytes, signature: bytes) -> dict:
    return {"payload": b64(payload), "payloadType": payload_type, "signatures": [{"sig": b64(signature)}]}


def dsse_entry(payload_type: str, payload: bytes, signature: bytes, certificate: x509.Certificate) -> dict:
    """A `dsse` entry (sigstore/rekor `pkg/types/dsse/v0.0.1`): the envelope's and its payload's
    sha256, each signature with its verifier (the certificate, PEM)."""
    signed = json.dumps(envelope(payload_type, payload, signature), separators=(",", ":")).encode()
    return {
        "apiVersion": "0.0.1", "kind": "dsse",
        "spec": {"envelopeHash": {"algorithm": "sha256", "value": hashlib.sha256(signed).hexdigest()},
                 "payloadHash": {"algorithm": "sha256", "value": hashlib.sha256(payload).hexdigest()},
                 "signatures": [{"signature": b64(signature), "verifier": b64(pem(certificate).encode())}]},
    }


def sign(case: str, index: int, payload: bytes) -> dict:
    """The keyless signature of `payload` for `case`, logged as entry `index`: what cosign writes
    in the `.sig` layer's annotations."""
    signature, certificate, _, entry, set_ = logged(case, index, payload)
    _, intermediate, root = authority()
    return {
        "signature": b64(signature),
        "certificate": pem(certificate),
        "chain": pem(intermediate) + pem(root),
        "bundle": json.dumps({"SignedEntryTimestamp": b64(set_), "Payload": entry}, separators=(",", ":")),
    }


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def inclusion(leaf_hash: bytes, index: int, size: int):
    """The root of a log of `size` entries whose entry `index` hashes to `leaf_hash`, and that
    entry's inclusion path (RFC 9162 §2.1.1, §2.1.3). The log's other entries are the demo's
    earlier ones, made up: a verifier sees only their hashes."""
    def leaf_at(i):
        return leaf_hash if i == index else sha256(b"\x00" + f"demo log entry {i}".encode())

    def split(n):  # the largest power of two below n
        k = 1
        while k * 2 < n:
            k *= 2
        return k

    def root(lo, hi):
        if hi - lo == 1:
            return leaf_at(lo)
        k = split(hi - lo)
        return sha256(b"\x01" + root(lo, lo + k) + root(lo + k, hi))

    def path(lo, hi):
        if hi - lo == 1:
            return []
        k = split(hi - lo)
        if index - lo < k:
            return path(lo, lo + k) + [root(lo + k, hi)]
        return path(lo + k, hi) + [root(lo, lo + k)]

    return root(0, size), path(0, size)


LOG_ORIGIN = "rekor.fathom-demo.invalid"


def checkpoint(size: int, root_hash: bytes) -> str:
    """The log's signed checkpoint of its tree head (a C2SP signed note, as Rekor writes it:
    sigstore/rekor `pkg/util/checkpoint.go`): origin, size, root; then the log's signature, its
    key id's first four bytes before it."""
    rekor_key = key("rekor", ec.SECP256R1())
    note = f"{LOG_ORIGIN} - 1\n{size}\n{b64(root_hash)}\n"
    signature = sha256(spki(rekor_key))[:4] + signs(rekor_key, note.encode())
    return f"{note}\n\u2014 {LOG_ORIGIN} {b64(signature)}\n"


IN_TOTO = "application/vnd.in-toto+json"


def bundle(case: str, index: int, payload: bytes, statement: bool = False) -> dict:
    """`sigstore sign` / `cosign sign-blob --bundle` for `payload` (a Sigstore bundle v0.3,
    sigstore/protobuf-specs `sigstore_bundle.proto`): the message signature, the certificate, and
    the log entry with its SET, inclusion proof and signed checkpoint (a log of `index + 2`
    entries). With `statement`, `payload` is an in-toto statement, signed in a DSSE envelope as
    cosign v3 signs an image (`cosign sign`, its default bundle format)."""
    signature, certificate, body, entry, set_ = logged(case, index, payload, IN_TOTO if statement else None)
    size = index + 2
    root_hash, hashes = inclusion(sha256(b"\x00" + body), index, size)
    return {
        "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
        "verificationMaterial": {
            "certificate": {"rawBytes": b64(certificate.public_bytes(serialization.Encoding.DER))},
            "tlogEntries": [{
                "logIndex": str(index),
                "logId": {"keyId": b64(bytes.fromhex(entry["logID"]))},
                "kindVersion": {"kind": "dsse" if statement else "hashedrekord", "version": "0.0.1"},
                "integratedTime": str(entry["integratedTime"]),
                "inclusionPromise": {"signedEntryTimestamp": b64(set_)},
                "inclusionProof": {
                    "logIndex": str(index), "rootHash": b64(root_hash), "treeSize": str(size),
                    "hashes": [b64(h) for h in hashes],
                    "checkpoint": {"envelope": checkpoint(size, root_hash)},
                },
                "canonicalizedBody": b64(body),
            }],
        },
        **({"dsseEnvelope": envelope(IN_TOTO, payload, signature)} if statement else {"messageSignature": {
            "messageDigest": {"algorithm": "SHA2_256", "digest": b64(sha256(payload))},
            "signature": b64(signature),
        }}),
    }


def log_json(url: str, private: ec.EllipticCurvePrivateKey) -> dict:
    return {"baseUrl": url, "hashAlgorithm": "SHA2_256",
            "publicKey": {"rawBytes": b64(spki(private)), "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                          "validFor": {"start": "2026-01-01T00:00:00Z"}},
            "logId": {"keyId": b64(hashlib.sha256(spki(private)).digest())}}


def trusted_root() -> dict:
    """The trusted root naming the demo authority and logs (sigstore/protobuf-specs
    `sigstore_trustroot.proto`, in its JSON form)."""
    _, intermediate, root = authority()
    der = lambda cert: b64(cert.public_bytes(serialization.Encoding.DER))
    return {
        "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
        "tlogs": [log_json("https://rekor.fathom-demo.invalid", key("rekor", ec.SECP256R1()))],
        "certificateAuthorities": [{
            "subject": {"organization": "Fathom demo sigstore", "commonName": "demo fulcio root"},
            "uri": "https://fulcio.fathom-demo.invalid",
            "certChain": {"certificates": [{"rawBytes": der(intermediate)}, {"rawBytes": der(root)}]},
            "validFor": {"start": "2026-01-01T00:00:00Z"},
        }],
        "ctlogs": [log_json("https://ctfe.fathom-demo.invalid/test", key("ct log", ec.SECP256R1()))],
        "timestampAuthorities": [],
    }


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[1] == "root":
        directory = Path(argv[2])
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "trusted_root.json").write_text(json.dumps(trusted_root(), indent=2) + "\n")
        return 0
    if len(argv) == 5 and argv[1] in ("sign", "bundle", "statement-bundle") and argv[2] in CASES and argv[3].isdigit():
        case, index, payload = argv[2], int(argv[3]), Path(argv[4]).read_bytes()
        made = sign(case, index, payload) if argv[1] == "sign" else bundle(case, index, payload, argv[1] != "bundle")
        print(json.dumps(made, separators=(",", ":")), end="")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
