"""Signs the demo registry's images as cosign does, with keys made here.

No cosign binary installs from the package registries this project uses, so this does the two
things `cosign sign --key` does that need a private key — make the key pair, sign the simple
signing payload's exact bytes — with the `cryptography` package (OpenSSL); the shell around it
writes the payload and the signature manifest in cosign's shapes (sigstore/cosign
`pkg/cosign/sign.go`, `pkg/oci/static`). cosign's signatures, as this writes them:
  - ECDSA P-256 with SHA-256, ASN.1 DER (cosign's default key type);
  - Ed25519, pure (over the message, not a hash);
  - RSA PKCS #1 v1.5 with SHA-256.

The demo registry must give the same digests on every build, so the keys come from fixed seeds
(the ECDSA scalar, the Ed25519 seed, the RSA primes' search start) and ECDSA signs
deterministically (RFC 6979): the same payload gives the same signature. These are demo keys,
public by construction; never sign anything real with them.

    cosign_sign.py keys DIR                    writes DIR/{p256,ed25519,rsa}.{key,pub}
    cosign_sign.py sign DIR ALGORITHM PAYLOAD  prints the base64 signature of PAYLOAD's bytes
    cosign_sign.py notation DIR DESCRIPTOR    prints the JWS envelope `notation sign` writes for the
                                               target artifact DESCRIPTOR (ES256, the demo P-256 key,
                                               certified by a CA made from the demo RSA key), and
                                               writes that CA's certificate to DIR/notation-ca.crt
    cosign_sign.py envelope DIR ALGORITHM STATEMENT
                                               prints the DSSE envelope `cosign attest --key` writes
                                               as a `.att` layer for an in-toto STATEMENT
    cosign_sign.py bundle DIR ALGORITHM STATEMENT
                                               prints the Sigstore bundle v0.3 `cosign sign --key`
                                               (cosign v3, `--tlog-upload=false`) writes for an
                                               in-toto STATEMENT: a DSSE envelope signed over its
                                               pre-authentication encoding, the key's hint
"""

import base64
import hashlib
import json
import random
import sys
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

ALGORITHMS = ("p256", "ed25519", "rsa")


def seed(name: str) -> bytes:
    return hashlib.sha256(f"fathom demo registry {name} key".encode()).digest()


def is_probable_prime(n: int) -> bool:
    """Miller-Rabin with fixed bases (deterministic, as the key must be)."""
    if n < 2:
        return False
    small = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37)
    for p in small:
        if n % p == 0:
            return n == p
    d, r = n - 1, 0
    while d % 2 == 0:
        d, r = d // 2, r + 1
    for a in small:
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def prime(rng: random.Random, bits: int) -> int:
    # cryptography generates RSA keys only from the system's randomness; a key that must be the
    # same on every build is made from its primes, searched from a seeded start.
    candidate = rng.getrandbits(bits) | (3 << (bits - 2)) | 1
    while not is_probable_prime(candidate):
        candidate += 2
    return candidate


def rsa_key() -> rsa.RSAPrivateKey:
    rng = random.Random(seed("rsa"))
    e = 65537
    while True:
        p, q = prime(rng, 1536), prime(rng, 1536)
        if p != q and (p - 1) % e and (q - 1) % e:
            break
    n, phi = p * q, (p - 1) * (q - 1)
    d = pow(e, -1, phi)
    numbers = rsa.RSAPrivateNumbers(
        p, q, d, d % (p - 1), d % (q - 1), pow(q, -1, p), rsa.RSAPublicNumbers(e, n)
    )
    return numbers.private_key()


def make_key(algorithm: str):
    if algorithm == "p256":
        scalar = int.from_bytes(seed("p256"), "big") % (2**256 - 2**224)
        return ec.derive_private_key(scalar, ec.SECP256R1())
    if algorithm == "ed25519":
        return ed25519.Ed25519PrivateKey.from_private_bytes(seed("ed25519"))
    return rsa_key()


def write_keys(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for algorithm in ALGORITHMS:
        key = make_key(algorithm)
        (directory / f"{algorithm}.key").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        (directory / f"{algorithm}.pub").write_bytes(
            key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )


def sign(directory: Path, algorithm: str, payload: bytes) -> str:
    key = serialization.load_pem_private_key((directory / f"{algorithm}.key").read_bytes(), None)
    if algorithm == "p256":
        signature = key.sign(payload, ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
    elif algorithm == "ed25519":
        signature = key.sign(payload)
    else:
        signature = key.sign(payload, padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode()


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE's pre-authentication encoding (secure-systems-lab/dsse `protocol.md`)."""
    return b"DSSEv1 %d %s %d %s" % (len(payload_type), payload_type.encode(), len(payload), payload)


def envelope(directory: Path, algorithm: str, statement: bytes) -> dict:
    """A DSSE envelope of an in-toto statement, signed over its pre-authentication encoding."""
    payload_type = "application/vnd.in-toto+json"
    return {
        "payload": base64.b64encode(statement).decode(),
        "payloadType": payload_type,
        "signatures": [{"sig": sign(directory, algorithm, pae(payload_type, statement)), "keyid": ""}],
    }


def bundle(directory: Path, algorithm: str, statement: bytes) -> str:
    """A Sigstore bundle v0.3 (sigstore/protobuf-specs `sigstore_bundle.proto`) as cosign v3 signs
    an image with a key and no transparency log: the envelope, and the key's hint (the base64 of
    the sha256 of its DER SubjectPublicKeyInfo)."""
    key = serialization.load_pem_private_key((directory / f"{algorithm}.key").read_bytes(), None)
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return json.dumps({
        "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
        "verificationMaterial": {
            "publicKey": {"hint": base64.b64encode(hashlib.sha256(der).digest()).decode()},
            "tlogEntries": [],
        },
        "dsseEnvelope": envelope(directory, algorithm, statement),
    }, separators=(",", ":"))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def notation_certificates(directory: Path):
    """A notation signer's chain, made the same on every build: a CA (the demo RSA key, its
    certificate self-signed) and a leaf for code signing (the demo P-256 key) it issued. RSA
    PKCS #1 v1.5 signs deterministically, so the certificates' bytes never change."""
    from cryptography import x509
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    import datetime

    ca_key = serialization.load_pem_private_key((directory / "rsa.key").read_bytes(), None)
    leaf_key = serialization.load_pem_private_key((directory / "p256.key").read_bytes(), None)
    name = lambda cn: x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Fathom demo"),
                                 x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    start, end = datetime.datetime(2026, 1, 1), datetime.datetime(2036, 1, 1)
    ca = (x509.CertificateBuilder().subject_name(name("Fathom demo notation CA")).issuer_name(name("Fathom demo notation CA"))
          .public_key(ca_key.public_key()).serial_number(1).not_valid_before(start).not_valid_after(end)
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    leaf = (x509.CertificateBuilder().subject_name(name("demo signer")).issuer_name(ca.subject)
            .public_key(leaf_key.public_key()).serial_number(2).not_valid_before(start).not_valid_after(end)
            .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    return leaf_key, leaf, ca


def notation(directory: Path, target: bytes) -> str:
    """The JWS envelope `notation sign` writes (notaryproject/specifications
    `specs/signature-envelope-jws.md`) for the target artifact's descriptor: ES256 with the
    demo P-256 key (deterministic ECDSA, `r || s`), the leaf and CA certificates in `x5c`.
    Writes the CA certificate — the trust store's — to DIR/notation-ca.crt."""
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    leaf_key, leaf, ca = notation_certificates(directory)
    (directory / "notation-ca.crt").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    protected = {"alg": "ES256", "crit": ["io.cncf.notary.signingScheme"],
                 "cty": "application/vnd.cncf.notary.payload.v1+json",
                 "io.cncf.notary.signingScheme": "notary.x509",
                 "io.cncf.notary.signingTime": "2026-01-01T00:00:00Z"}
    payload = {"targetArtifact": json.loads(target)}
    encoded = [b64url(json.dumps(part, separators=(",", ":")).encode()) for part in (protected, payload)]
    der = leaf_key.sign(".".join(encoded).encode(), ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
    r, s = decode_dss_signature(der)
    return json.dumps({
        "payload": encoded[1], "protected": encoded[0],
        "header": {"x5c": [base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode() for c in (leaf, ca)],
                   "io.cncf.notary.signingAgent": "fathom demo registry"},
        "signature": b64url(r.to_bytes(32, "big") + s.to_bytes(32, "big")),
    }, separators=(",", ":"))


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[1] == "keys":
        write_keys(Path(argv[2]))
        return 0
    if len(argv) == 5 and argv[1] == "sign" and argv[3] in ALGORITHMS:
        print(sign(Path(argv[2]), argv[3], Path(argv[4]).read_bytes()), end="")
        return 0
    if len(argv) == 4 and argv[1] == "notation":
        print(notation(Path(argv[2]), Path(argv[3]).read_bytes()), end="")
        return 0
    if len(argv) == 5 and argv[1] == "envelope" and argv[3] in ALGORITHMS:
        statement = Path(argv[4]).read_bytes()
        print(json.dumps(envelope(Path(argv[2]), argv[3], statement), separators=(",", ":")), end="")
        return 0
    if len(argv) == 5 and argv[1] == "bundle" and argv[3] in ALGORITHMS:
        print(bundle(Path(argv[2]), argv[3], Path(argv[4]).read_bytes()), end="")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
