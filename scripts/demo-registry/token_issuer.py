#!/usr/bin/env python3
"""Fathom demo token issuer -- TEST-ONLY. Never use it to protect anything real.

A tiny implementation of the Docker registry token protocol
(https://distribution.github.io/distribution/spec/auth/token/ and .../spec/auth/jwt/)
so that Fathom's Bearer-auth code can be exercised against a real CNCF distribution 2.8
registry on 127.0.0.1. Users and passwords are hard-coded, the signing key sits unencrypted
in the state directory, and there is no rate limiting, TLS or audit log.

    GET  /token?service=SVC&scope=repository:NAME:pull,push[&scope=...]   (Basic credentials optional)
    POST /token   grant_type=password&username=..&password=..&service=..&scope=..   (OAuth2 form, as
                  containerd/docker use it; answers without a refresh token)
    GET  /healthz

Who gets what:
    fathom / fathom-demo   every action it asks for on repositories, plus registry:catalog:*
    puller / puller-pass   only `pull` on repositories, whatever it asks for
    anonymous              only `pull` on repositories
    wrong credentials      401 (WWW-Authenticate: Basic) -- never a silently anonymous token

Tokens are RS256 JWTs in the shape distribution 2.8 verifies (registry/auth/token/token.go):
claims iss, sub, aud (a string: the service), exp, nbf, iat, jti, access[]; header alg=RS256,
x5c=[the issuer certificate, base64 DER] (verified against the registry's `rootcertbundle`) and
kid=the libtrust fingerprint of the key (the lookup distribution falls back to when x5c is absent).

`--generate` creates the RSA key and a self-signed certificate if they do not exist yet.
Only the standard library plus the PyPI package `cryptography` are used.
"""

import argparse
import base64
import binascii
import datetime
import hashlib
import json
import secrets
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

# Test-only credentials (documented in scripts/demo-registry/README.md and printed by `env`).
USERS = {
    "fathom": {"password": "fathom-demo", "pull_only": False, "catalog": True},
    "puller": {"password": "puller-pass", "pull_only": True, "catalog": False},
}
TOKEN_LIFETIME = 300  # seconds; the spec's suggested minimum is 60


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def libtrust_key_id(public_key) -> str:
    """The key ID libtrust derives: base32 of the first 240 bits of sha256(SubjectPublicKeyInfo DER),
    in 12 colon-separated groups of 4 characters."""
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    encoded = base64.b32encode(hashlib.sha256(der).digest()[:30]).decode("ascii").rstrip("=")
    return ":".join(encoded[i : i + 4] for i in range(0, len(encoded), 4))


def generate(key_path: Path, cert_path: Path, issuer: str) -> None:
    """Create a 2048-bit RSA key and a self-signed CA certificate for it, once."""
    if key_path.exists() and cert_path.exists():
        return
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=False, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    key_path.parent.mkdir(parents=True, exist_ok=True)
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


class Issuer:
    def __init__(self, key_path: Path, cert_path: Path, issuer: str, service: str):
        self.key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        self.x5c = [base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode("ascii")]
        self.kid = libtrust_key_id(cert.public_key())
        self.issuer = issuer
        self.service = service

    def grant(self, user, scopes):
        """The access entries `user` (None = anonymous) gets for the requested scopes."""
        access = []
        for scope in scopes:
            # resource type : resource name (may itself contain ':' e.g. a port) : actions
            parts = scope.split(":")
            if len(parts) < 3:
                continue
            rtype, name, actions = parts[0], ":".join(parts[1:-1]), parts[-1].split(",")
            actions = [a for a in actions if a]
            if rtype == "repository":
                if user is None or USERS[user]["pull_only"]:
                    allowed = [a for a in actions if a == "pull"]
                else:
                    allowed = actions
            elif rtype == "registry" and name == "catalog":
                allowed = actions if user is not None and USERS[user]["catalog"] else []
            else:
                allowed = []
            if allowed:
                access.append({"type": rtype, "name": name, "actions": allowed})
        return access

    def token(self, user, scopes):
        now = int(time.time())
        header = {"typ": "JWT", "alg": "RS256", "kid": self.kid, "x5c": self.x5c}
        claims = {
            "iss": self.issuer,
            "sub": user or "",
            "aud": self.service,
            "exp": now + TOKEN_LIFETIME,
            "nbf": now - 1,
            "iat": now,
            "jti": secrets.token_hex(16),
            "access": self.grant(user, scopes),
        }
        signing_input = (
            b64url(json.dumps(header, separators=(",", ":")).encode())
            + "."
            + b64url(json.dumps(claims, separators=(",", ":")).encode())
        )
        signature = self.key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
        issued_at = datetime.datetime.fromtimestamp(now, datetime.timezone.utc)
        return {
            "token": signing_input + "." + b64url(signature),
            "access_token": signing_input + "." + b64url(signature),
            "expires_in": TOKEN_LIFETIME,
            "issued_at": issued_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }


class Handler(BaseHTTPRequestHandler):
    server_version = "fathom-demo-token-issuer/1 (test-only)"
    protocol_version = "HTTP/1.1"  # keep-alive; every reply carries a Content-Length
    issuer: Issuer  # set on the class by main()

    def log_message(self, fmt, *args):  # one line per request on stderr (the log file)
        sys.stderr.write("%s %s\n" % (self.log_date_time_string(), fmt % args))

    def reply(self, status, body, extra_headers=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for k, v in extra_headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def unauthorized(self, message):
        self.reply(
            401,
            {"errors": [{"code": "UNAUTHORIZED", "message": message}]},
            [("WWW-Authenticate", 'Basic realm="fathom-demo-token-issuer"')],
        )

    def check_password(self, username, password):
        """Returns (ok, user) with user None for anonymous."""
        if username is None:
            return True, None
        entry = USERS.get(username)
        if entry is None or not secrets.compare_digest(entry["password"], password or ""):
            return False, None
        return True, username

    def basic_credentials(self):
        header = self.headers.get("Authorization")
        if not header:
            return None, None, True
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "basic":
            return None, None, False
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None, None, False
        username, sep, password = decoded.partition(":")
        return (username, password, True) if sep else (None, None, False)

    def issue(self, params, username, password):
        service = params.get("service", [self.issuer.service])[0]
        if service != self.issuer.service:
            self.reply(400, {"errors": [{"code": "DENIED", "message": f"unknown service {service!r}"}]})
            return
        ok, user = self.check_password(username, password)
        if not ok:
            self.unauthorized("wrong username or password")
            return
        scopes = []
        for value in params.get("scope", []):
            scopes.extend(value.split(" "))  # several scopes may share one parameter, space-separated
        self.reply(200, self.issuer.token(user, scopes))

    def do_GET(self):
        url = urlsplit(self.path)
        if url.path == "/healthz":
            self.reply(200, {"ok": True})
            return
        if url.path != "/token":
            self.reply(404, {"errors": [{"code": "NOT_FOUND", "message": "try /token"}]})
            return
        username, password, well_formed = self.basic_credentials()
        if not well_formed:
            self.unauthorized("malformed Authorization header")
            return
        self.issue(parse_qs(url.query), username, password)

    def do_POST(self):
        url = urlsplit(self.path)
        if url.path != "/token":
            self.reply(404, {"errors": [{"code": "NOT_FOUND", "message": "try /token"}]})
            return
        length = int(self.headers.get("Content-Length") or 0)
        params = parse_qs(self.rfile.read(length).decode("utf-8", "replace"))
        grant = params.get("grant_type", [""])[0]
        if grant != "password":
            self.reply(400, {"error": "unsupported_grant_type"})
            return
        username = params.get("username", [None])[0]
        password = params.get("password", [""])[0]
        self.issue(params, username, password)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--key", required=True, type=Path)
    ap.add_argument("--cert", required=True, type=Path)
    ap.add_argument("--issuer", default="fathom-demo-issuer")
    ap.add_argument("--service", default="fathom-demo")
    ap.add_argument("--port", type=int, default=5558)
    ap.add_argument("--generate", action="store_true", help="create key and certificate, then exit")
    args = ap.parse_args()
    if args.generate:
        generate(args.key, args.cert, args.issuer)
        return
    Handler.issuer = Issuer(args.key, args.cert, args.issuer, args.service)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    sys.stderr.write(f"token issuer (test-only) on http://127.0.0.1:{args.port}/token\n")
    server.serve_forever()


if __name__ == "__main__":
    main()
