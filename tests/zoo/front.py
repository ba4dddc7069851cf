"""The machinery every front of the registry zoo shares -- TEST-ONLY.

A front is an HTTPS server standing in for one public registry under its real hostname. It does
what that registry does *observably* -- its challenge, token service, headers, redirects, errors,
paging -- and leaves the rest to a real CNCF distribution registry (the backend) holding real
images: manifests, blobs, tag lists and uploads are the backend's own answers, under a repository
name prefixed with the registry's key (`library/mysql` on Docker Hub is `dockerhub/library/mysql`
in the backend). Each registry's own behaviour, with its public source, is in `registries.py`.

Object-store hosts (the CDNs blobs are redirected to) read blobs from the backend's storage
directory, where distribution keeps them by digest -- the same layout the real stores serve.
"""

import base64
import hashlib
import hmac
import http.client
import json
import re
import secrets
import ssl
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

# The one secret the fronts sign their tokens and URLs with (made at start, never written down).
SECRET = secrets.token_bytes(32)
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
ROUTE = re.compile(r"^/v2/(?P<name>.+?)/(?P<kind>manifests|blobs|tags|referrers)(?P<rest>/.*)?$")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(message: str) -> str:
    return b64url(hmac.new(SECRET, message.encode(), hashlib.sha256).digest())


def errors_body(code: str, message: str, detail=None) -> bytes:
    """The distribution spec's error body (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#error-codes)."""
    return json.dumps({"errors": [{"code": code, "message": message, "detail": detail}]}).encode()


@dataclass
class Answer:
    """A response a front sends."""
    status: int
    body: bytes = b""
    headers: dict = field(default_factory=dict)


@dataclass
class Repository:
    """A repository a front serves: its public name, its tags (each a copy of a demo image,
    `tag -> "demo/busybox:oci"`) and who may read it."""
    name: str
    tags: dict
    private: bool = False


@dataclass
class Grant:
    """What a token allows: `{repository: {"pull", "push"}}`, who it was given to, until when."""
    access: dict
    subject: str
    expires: int

    def encode(self) -> str:
        """A JWT-shaped token (HS256 over the zoo's secret). Real registries sign RS256/ES256 JWTs
        or opaque strings; clients must treat them as opaque either way
        (https://distribution.github.io/distribution/spec/auth/token/#requesting-a-token)."""
        header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        claims = {"sub": self.subject, "exp": self.expires,
                  "access": [{"type": "repository", "name": n, "actions": sorted(a)} for n, a in self.access.items()]}
        payload = b64url(json.dumps(claims).encode())
        return f"{header}.{payload}.{sign(header + '.' + payload)}"

    @staticmethod
    def decode(token: str):
        try:
            header, payload, signature = token.split(".")
            if not hmac.compare_digest(signature, sign(header + "." + payload)):
                return None
            claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        except (ValueError, json.JSONDecodeError):
            return None
        if claims["exp"] < time.time():
            return None
        return Grant({a["name"]: set(a["actions"]) for a in claims["access"]}, claims["sub"], claims["exp"])


class Zoo:
    """What every front shares: the backend, its storage, the request log and the knobs the tests
    turn (a rate limit run dry)."""

    def __init__(self, backend: str, storage: Path):
        self.backend = backend
        self.storage = storage
        self.lock = threading.Lock()
        self.log: list[dict] = []
        self.exhausted: set[str] = set()

    def record(self, entry: dict) -> None:
        with self.lock:
            self.log.append(entry)

    def blob_path(self, digest: str) -> Path | None:
        algorithm, _, hex_ = digest.partition(":")
        if algorithm != "sha256" or not re.fullmatch(r"[0-9a-f]{64}", hex_):
            return None
        path = self.storage / "docker/registry/v2/blobs/sha256" / hex_[:2] / hex_ / "data"
        return path if path.is_file() else None

    def ask_backend(self, method: str, path: str, headers: dict, body: bytes | None = None) -> Answer:
        connection = http.client.HTTPConnection(self.backend, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            return Answer(response.status, data, {k: v for k, v in response.getheaders()})
        finally:
            connection.close()


class Front:
    """One registry. Subclasses (registries.py) set the class attributes and override the hooks
    where that registry differs; every override cites its source."""

    key = ""                     # the backend prefix
    title = ""                   # the registry's name, as its users call it
    named_as = ""                # how fathom's messages name it, when not by its title
    example = ""                 # a public multi-platform image, as users paste it
    private_example = ""         # a private one (readable with the test credentials only), if
                                 # the real registry has private repositories at all
    hosts: tuple = ()            # the API hostnames (the first is the one references name)
    token_hosts: tuple = ()      # hosts of its token service
    token_paths: tuple = ()      # the token service's paths
    port = 443
    users: dict = {}             # user -> password (credentials the registry accepts)
    repositories: tuple = ()     # Repository
    cors = None                  # Access-Control-* headers the registry sends, if any
    token_lifetime = 300
    anonymous_needs_token = True  # even public repositories need a (anonymous) token
    drop_headers: tuple = ()     # backend headers the registry does not send
    tag_page = None              # tags per page when `n` is not given (None: all)
    tag_max = None               # the largest `n` honoured (None: any)
    pages_tags = True            # honours `n` and `last`, with a `Link` to the next page
    referrers_api = False        # serves /v2/<name>/referrers/<digest>
    blob_redirect_status = 307
    config_key = None            # the key of its credentials in docker's config.json (None: host[:port])
    anonymous_pull = True        # public repositories exist (a self-hosted registry may have none)
    rate_limits = True           # the registry answers 429 when a limit runs dry

    def __init__(self, zoo: Zoo):
        self.zoo = zoo
        self.by_name = {r.name: r for r in self.repositories}

    # --- hooks: what differs between registries ------------------------------------------------

    def challenge(self, host: str, scope: str | None, error: str | None = None) -> str:
        """The `WWW-Authenticate` header of a 401."""
        raise NotImplementedError

    def unauthorized(self, host: str, scope: str | None, name: str | None, action: str,
                     error: str | None = None) -> Answer:
        """A 401: the challenge and the body distribution sends with it."""
        detail = [{"Type": "repository", "Class": "", "Name": name, "Action": action}] if name else None
        return Answer(401, errors_body("UNAUTHORIZED", "authentication required", detail),
                      {"Content-Type": "application/json", "WWW-Authenticate": self.challenge(host, scope, error)})

    def missing_repository(self, host: str, name: str, action: str) -> Answer:
        """A repository that does not exist."""
        return Answer(404, errors_body("NAME_UNKNOWN", "repository name not known to registry", {"name": name}))

    def denied(self, host: str, name: str, action: str) -> Answer:
        """A private repository asked for without the right to read it."""
        return self.unauthorized(host, f"repository:{name}:{action}", name, action, "insufficient_scope")

    def missing_tag(self, name: str, tag: str) -> Answer:
        """A tag that does not exist in an existing repository."""
        return Answer(404, errors_body("MANIFEST_UNKNOWN", "manifest unknown", {"Tag": tag}),
                      {"Content-Type": "application/json"})

    def rate_limited(self) -> Answer:
        """The 429 the registry sends when its limit ran dry."""
        return Answer(429, errors_body("TOOMANYREQUESTS", "too many requests"), {"Content-Type": "application/json"})

    def response_headers(self, kind: str, method: str) -> dict:
        """Headers the registry adds to what the backend answered (rate limits, HSTS…)."""
        return {}

    def blob_location(self, host: str, name: str, digest: str) -> str | None:
        """Where a blob GET is redirected, if the registry redirects blobs."""
        return None

    def blob_head(self, host: str, name: str, digest: str) -> Answer | None:
        """A registry's own answer to a blob HEAD (None: the backend's)."""
        return None

    def redirect(self, host: str, path: str) -> Answer | None:
        """A registry that redirects whole requests elsewhere (registry.k8s.io)."""
        return None

    def token_answer(self, grant: Grant) -> dict:
        """The token service's JSON for a grant."""
        token = grant.encode()
        return {"token": token, "access_token": token, "expires_in": self.token_lifetime,
                "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}

    def bad_credentials(self) -> Answer:
        """The token service's answer to a wrong password."""
        return Answer(401, errors_body("UNAUTHORIZED", "incorrect username or password"),
                      {"Content-Type": "application/json"})

    def token_refused(self, grant: "Grant", scopes: list[str]) -> Answer | None:
        """A token service that refuses (rather than narrows) what it may not grant."""
        return None

    def token_method_refused(self, method: str) -> Answer | None:
        """A token service that refuses a method (the OAuth2 POST)."""
        return None

    def extra_route(self, method: str, path: str, query: str, headers) -> Answer | None:
        """A route of the registry's own (GCR's and Artifact Registry's blob downloads)."""
        return None

    # --- token service ------------------------------------------------------------------------

    def credentials(self, headers, form: dict) -> tuple[str | None, bool]:
        """(user, good) from Basic credentials or an OAuth2 password grant; (None, True) when none."""
        user = password = None
        authorization = headers.get("Authorization", "")
        if authorization.startswith("Basic "):
            try:
                user, _, password = base64.b64decode(authorization[6:]).decode().partition(":")
            except ValueError:
                return None, False
        elif form.get("grant_type") == ["password"]:
            user, password = form.get("username", [""])[0], form.get("password", [""])[0]
        if user is None:
            return None, True
        return user, self.users.get(user) == password

    def allowed(self, user: str | None, name: str) -> set:
        """What `user` (None: anonymous) may do on `name`: pull on public repositories to anyone,
        pull and push on every repository to a known user."""
        repository = self.by_name.get(name)
        if user is not None:
            return {"pull", "push"}
        if repository is not None and not repository.private:
            return {"pull"}
        return set()

    def grant(self, user: str | None, scopes: list[str]) -> Grant:
        access = {}
        for scope in scopes:
            parts = scope.split(":")
            if len(parts) != 3 or parts[0] != "repository":
                continue
            name, actions = parts[1], set(parts[2].split(","))
            granted = actions & self.allowed(user, name)
            if granted:
                access[name] = access.get(name, set()) | granted
        return Grant(access, user or "", int(time.time()) + self.token_lifetime)

    def token(self, method: str, query: dict, form: dict, headers) -> Answer:
        refused = self.token_method_refused(method)
        if refused:
            return refused
        user, good = self.credentials(headers, form)
        if not good:
            return self.bad_credentials()
        scopes = query.get("scope", []) + form.get("scope", [])
        scopes = [s for scope in scopes for s in scope.split(" ")]
        grant = self.grant(user, scopes)
        return self.token_refused(grant, scopes) or self.json(200, self.token_answer(grant))

    # --- the registry API ---------------------------------------------------------------------

    @staticmethod
    def json(status: int, value) -> Answer:
        return Answer(status, json.dumps(value).encode(), {"Content-Type": "application/json"})

    def backend_name(self, name: str) -> str:
        return f"{self.key}/{name}"

    def authorize(self, headers) -> Grant | None:
        """The grant a request carries (a Bearer token of this zoo), if any."""
        authorization = headers.get("Authorization", "")
        if authorization.startswith("Bearer "):
            return Grant.decode(authorization[7:].strip())
        return None

    def needs_token(self, repository: Repository | None) -> bool:
        return self.anonymous_needs_token or repository is None or repository.private

    def api(self, method: str, path: str, query: str, headers, body: bytes | None) -> Answer:
        host = headers.get("Host", self.hosts[0]).split(":")[0]
        own = self.extra_route(method, path, query, headers)
        if own:
            return own
        redirected = self.redirect(host, path)
        if redirected:
            return redirected
        if path in ("/v2", "/v2/"):
            if self.anonymous_needs_token and self.authorize(headers) is None:
                return self.unauthorized(host, None, None, "")
            return self.json(200, {})
        route = ROUTE.match(path)
        if not route:
            return Answer(404, b"404 page not found\n", {"Content-Type": "text/plain; charset=utf-8"})
        name, kind, rest = route["name"], route["kind"], route["rest"] or ""
        action = "pull" if method in ("GET", "HEAD") else "push"
        repository = self.by_name.get(name)
        grant = self.authorize(headers)
        may = grant.access.get(name, set()) if grant else self.allowed(None, name)
        if action not in may:
            if grant is None and (self.needs_token(repository) or action == "push"):
                return self.unauthorized(host, f"repository:{name}:{'pull,push' if action == 'push' else 'pull'}",
                                         name, action)
            if repository is None:
                return self.missing_repository(host, name, action)
            return self.denied(host, name, action)
        if repository is None:
            return self.missing_repository(host, name, action)
        if kind == "manifests" and method == "GET" and self.key in self.zoo.exhausted:
            return self.rate_limited()
        if kind == "blobs" and rest.startswith("/sha256:") and self.zoo.blob_path(rest[1:]):
            if method == "GET":
                location = self.blob_location(host, name, rest[1:])
                if location:
                    return Answer(self.blob_redirect_status, b"", {"Location": location})
            elif method == "HEAD":
                own = self.blob_head(host, name, rest[1:])
                if own:
                    return own
        if kind == "tags":
            return self.tags(name, query)
        if kind == "referrers":
            return self.referrers(name, rest.lstrip("/"), query)
        answer = self.forward(method, name, kind + rest, query, headers, body, host)
        if kind == "manifests" and answer.status == 404 and b"MANIFEST_UNKNOWN" in answer.body:
            return self.missing_tag(name, rest.lstrip("/"))
        answer.headers.update(self.response_headers(kind, method))
        return answer

    def forward(self, method, name, tail, query, headers, body, host) -> Answer:
        # A cross-repository mount names its source by the registry's name; the backend's differs.
        params = parse_qs(query, keep_blank_values=True)
        if "from" in params:
            params["from"] = [self.backend_name(params["from"][0])]
            query = urlencode(params, doseq=True)
        backend_path = f"/v2/{self.backend_name(name)}/{tail}" + (f"?{query}" if query else "")
        passed = {k: v for k, v in headers.items()
                  if k.lower() in ("accept", "content-type", "content-length", "range", "content-range")}
        passed["Host"] = self.zoo.backend
        answer = self.zoo.ask_backend(method, backend_path, passed, body)
        kept = {}
        for key, value in answer.headers.items():
            lower = key.lower()
            if lower in ("content-type", "docker-content-digest", "etag", "location", "range",
                         "docker-upload-uuid", "docker-distribution-api-version") \
                    and lower not in self.drop_headers:
                kept[key] = value
        if method == "HEAD" and "Content-Length" in answer.headers:
            kept["Content-Length-Override"] = answer.headers["Content-Length"]
        if "Location" in kept:
            kept["Location"] = self.public_location(kept["Location"], name, host)
        answer.headers = kept
        return answer

    def public_location(self, location: str, name: str, host: str) -> str:
        """An upload URL of the backend as the registry gives it (its own host and names)."""
        parts = urlsplit(location)
        path = parts.path.replace(f"/v2/{self.backend_name(name)}/", f"/v2/{name}/", 1)
        port = "" if self.port == 443 else f":{self.port}"
        return f"https://{host}{port}{path}" + (f"?{parts.query}" if parts.query else "")

    def tags(self, name: str, query: str) -> Answer:
        answer = self.zoo.ask_backend("GET", f"/v2/{self.backend_name(name)}/tags/list", {"Host": self.zoo.backend})
        if answer.status != 200:
            return answer
        tags = sorted(json.loads(answer.body).get("tags") or [])
        params = parse_qs(query)
        headers = {"Content-Type": "application/json"}
        if self.pages_tags:
            last = params.get("last", [None])[0]
            if last is not None:
                tags = [t for t in tags if t > last]
            n = params.get("n", [None])[0]
            size = int(n) if n is not None and n.isdigit() else self.tag_page
            if size is not None and self.tag_max is not None:
                size = min(size, self.tag_max)
            if size is not None and size < len(tags):
                tags = tags[:size]
                headers["Link"] = self.tags_link(name, tags[-1], size)
        return Answer(200, json.dumps(self.tag_list(name, tags)).encode(), headers)

    def tags_link(self, name: str, last: str, n: int) -> str:
        """The `Link` to the next page: origin-relative, `last` before `n`, as distribution writes it."""
        return f'</v2/{name}/tags/list?{urlencode({"last": last, "n": n})}>; rel="next"'

    def tag_list(self, name: str, tags: list) -> dict:
        return {"name": name, "tags": tags}

    def referrers(self, name: str, digest: str, query: str) -> Answer:
        """The referrers API, for registries that serve it: the backend keeps referrers under the
        tag fallback (`sha256-<hex>`, https://github.com/opencontainers/distribution-spec/blob/main/spec.md#referrers-tag-schema);
        the answer is that index, filtered by `artifactType` when asked."""
        if not self.referrers_api:
            return self.no_referrers()
        index = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": []}
        fallback = digest.replace(":", "-")
        answer = self.zoo.ask_backend("GET", f"/v2/{self.backend_name(name)}/manifests/{fallback}",
                                      {"Host": self.zoo.backend, "Accept": OCI_INDEX})
        if answer.status == 200:
            index["manifests"] = json.loads(answer.body).get("manifests", [])
        headers = {"Content-Type": OCI_INDEX}
        wanted = parse_qs(query).get("artifactType")
        if wanted:
            index["manifests"] = [m for m in index["manifests"] if m.get("artifactType") in wanted]
            headers["OCI-Filters-Applied"] = "artifactType"
        return Answer(200, json.dumps(index).encode(), headers)

    def no_referrers(self) -> Answer:
        """A registry without the referrers API: distribution's router miss."""
        return Answer(404, b"404 page not found\n", {"Content-Type": "text/plain; charset=utf-8"})


class ObjectStore:
    """A host blobs are redirected to: serves a blob from the backend's storage when its URL's
    signature and lifetime check out, and -- as S3, R2, Azure Blob and the CDNs in front of them
    do -- refuses a request that also carries an `Authorization` header. Subclasses give the
    object's `path`, the signing `scheme` of its URLs (None: unsigned public objects) and the
    `refusal` (status, XML body) its store answers to a forwarded `Authorization`."""

    hosts: tuple = ()
    scheme = None
    refusal: tuple = (400, b"")
    lifetime = 1200

    def __init__(self, zoo: Zoo):
        self.zoo = zoo

    def path(self, digest: str, name: str) -> str:
        """The object's path for a blob of repository `name`."""
        raise NotImplementedError

    def digest_of(self, path: str) -> str | None:
        """The blob digest a path names."""
        raise NotImplementedError

    def extra_query(self, name: str) -> dict:
        """Query parameters of the real URL besides the signature's own."""
        return {}

    def url(self, digest: str, name: str = "") -> str:
        base = f"https://{self.hosts[0]}{self.path(digest, name)}"
        if self.scheme is None:
            return base
        expires = int(time.time()) + self.lifetime
        return f"{base}?{self.scheme.query(expires, sign(f'{digest}|{expires}'), self.extra_query(name))}"

    def check(self, path: str, query: dict) -> str | None:
        """The digest the URL names, or None when its signature or lifetime is wrong."""
        digest = self.digest_of(path)
        if digest is None or self.scheme is None:
            return digest
        expires = self.scheme.expiry_of(query)
        signature = query.get(self.scheme.param, [""])[0]
        if expires is None or expires < time.time() or signature != sign(f"{digest}|{expires}"):
            return None
        return digest

    def serve(self, method: str, path: str, query: str, headers) -> Answer:
        if "Authorization" in headers:
            status, body = self.refusal
            return Answer(status, body, {"Content-Type": "application/xml"})
        digest = self.check(path, parse_qs(query))
        blob = self.zoo.blob_path(digest) if digest else None
        if blob is None:
            return Answer(403, b"Forbidden", {"Content-Type": "text/plain"})
        data = blob.read_bytes()
        return Answer(200, data if method == "GET" else b"",
                      {"Content-Type": "application/octet-stream", "Content-Length-Override": str(len(data))})


def serve(zoo: Zoo, handlers: dict, address: str, port: int, context: ssl.SSLContext | None):
    """Serves `handlers` (`Host` name → Front or ObjectStore) on address:port in a thread."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):
            pass

        def handle_one(self, method: str) -> None:
            parts = urlsplit(self.path)
            host = (self.headers.get("Host") or "").split(":")[0].lower()
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            if method in ("PATCH", "PUT", "POST") and body is None:
                body = b""
            target = handlers.get(host)
            zoo.record({"host": host, "method": method, "path": parts.path,
                        "authorization": self.headers.get("Authorization", "").split(" ")[0]})
            if target is None:
                answer = Answer(421, b"misdirected request", {"Content-Type": "text/plain"})
            elif isinstance(target, ObjectStore):
                answer = target.serve(method, parts.path, parts.query, self.headers)
            elif host in target.token_hosts and parts.path in target.token_paths:
                answer = target.token(method, parse_qs(parts.query), parse_qs((body or b"").decode()), self.headers)
            else:
                answer = target.api(method, parts.path, parts.query, self.headers, body)
                if target.cors and "Origin" in self.headers:
                    answer.headers.update(target.cors)
            self.send(method, answer)

        def send(self, method: str, answer: Answer) -> None:
            self.send_response_only(answer.status)  # no `Server` header: the registries' own vary
            length = answer.headers.pop("Content-Length-Override", None) or str(len(answer.body))
            for key, value in answer.headers.items():
                if key.lower() not in ("content-length", "connection", "date", "server"):
                    self.send_header(key, value)
            self.send_header("Date", formatdate(usegmt=True))
            self.send_header("Content-Length", length)
            self.end_headers()
            if method != "HEAD":
                self.wfile.write(answer.body)

        def do_GET(self):
            self.handle_one("GET")

        def do_HEAD(self):
            self.handle_one("HEAD")

        def do_POST(self):
            self.handle_one("POST")

        def do_PUT(self):
            self.handle_one("PUT")

        def do_PATCH(self):
            self.handle_one("PATCH")

        def do_DELETE(self):
            self.handle_one("DELETE")

        def do_OPTIONS(self):
            self.handle_one("OPTIONS")

    server = ThreadingHTTPServer((address, port), Handler)
    server.daemon_threads = True
    if context is not None:
        # The handshake happens in the request's thread, so that one slow client stalls no other.
        server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server

