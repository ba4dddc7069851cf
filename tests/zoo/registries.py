"""Each registry of the zoo, as it behaves observably -- TEST-ONLY. Every behaviour cites its
public source beside the code ("DC" is github.com/distribution/distribution, "CI" is
github.com/containers/image, "#N" an issue or pull request of the repository named). Where no
source was found the comment says so, and the most conservative behaviour is chosen.

The content is the demo registry's real images (see layout.py), under the names users paste.
"""

import calendar
import time
from urllib.parse import urlencode

from front import Answer, Front, ObjectStore, Repository, errors_body, sign

# Test-only credentials of every registry (the tests' docker config).
USER, PASSWORD = "fathom-zoo", "zoo-secret"
BUSYBOX_OCI, BUSYBOX_DOCKER, ATTESTED = "demo/busybox:oci", "demo/busybox:docker", "demo/attested:latest"
# More tags than one page of the registries that page by 100 (GHCR, Quay): nightly builds.
NIGHTLIES = {f"nightly-{n:03d}": BUSYBOX_OCI for n in range(120)}
JSON = {"Content-Type": "application/json"}

S3_ONE_AUTH = (  # S3's answer to a presigned URL that also carries Authorization: renovatebot/renovate#3877
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InvalidArgument</Code><Message>Only one auth '
    b"mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or "
    b"the Authorization header should be specified</Message><ArgumentName>Authorization</ArgumentName>"
    b"</Error>")


def iso(seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def from_iso(value: str) -> int | None:
    try:
        return calendar.timegm(time.strptime(value, "%Y-%m-%dT%H:%M:%SZ"))
    except ValueError:
        return None


def storage_path(digest: str) -> str:
    """distribution's blob path, which the object stores behind Docker Hub and MCR serve."""
    hex_ = digest.split(":")[1]
    return f"/docker/registry/v2/blobs/sha256/{hex_[:2]}/{hex_}/data"


def digest_of_storage_path(path: str) -> str | None:
    parts = path.rstrip("/").split("/")
    if len(parts) >= 4 and parts[-1] == "data" and parts[-4] == "sha256":
        return "sha256:" + parts[-2]
    return None


class SigV4:
    """An S3 SigV4 presigned query (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html);
    the zoo's HMAC stands in for the signature."""

    param = "X-Amz-Signature"

    @staticmethod
    def query(expires: int, signature: str, extra: dict) -> str:
        date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(expires - 1200))
        return urlencode({"X-Amz-Algorithm": "AWS4-HMAC-SHA256",
                          "X-Amz-Credential": f"AKIAZOOEXAMPLE/{date[:8]}/us-east-1/s3/aws4_request",
                          "X-Amz-Date": date, "X-Amz-Expires": "1200", "X-Amz-SignedHeaders": "host",
                          "X-Amz-Signature": signature, **extra})

    @staticmethod
    def expiry_of(query: dict) -> int | None:
        try:
            start = calendar.timegm(time.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ"))
            return start + int(query["X-Amz-Expires"][0])
        except (KeyError, ValueError):
            return None


class AzureSas:
    """An Azure Blob SAS query (se, sig, sp, spr, sr, sv) of a service version."""

    param = "sig"

    def __init__(self, version: str):
        self.version = version

    def query(self, expires: int, signature: str, extra: dict) -> str:
        return urlencode({"se": iso(expires), "sig": signature, "sp": "r", "spr": "https", "sr": "b",
                          "sv": self.version, **extra})

    @staticmethod
    def expiry_of(query: dict) -> int | None:
        return from_iso(query.get("se", [""])[0])


class CloudFrontCanned:
    """A CloudFront canned-policy signed URL (Expires, Signature, Key-Pair-Id)."""

    param = "Signature"

    @staticmethod
    def query(expires: int, signature: str, extra: dict) -> str:
        return urlencode({"Expires": expires, "Signature": signature, "Key-Pair-Id": "KZOOEXAMPLE", **extra})

    @staticmethod
    def expiry_of(query: dict) -> int | None:
        value = query.get("Expires", [""])[0]
        return int(value) if value.isdigit() else None


def digest_at_end(path: str) -> str | None:
    """`…/sha256:<hex>` (or `sha256%3A<hex>`, as clients encode it) → `sha256:<hex>`."""
    tail = path.rsplit("/", 1)[-1].replace("%3A", ":").replace("%3a", ":")
    return tail if tail.startswith("sha256:") else None


# ---- Docker Hub ----------------------------------------------------------------------------------


class DockerHubR2(ObjectStore):
    """Docker Hub's blob store for anonymous and Personal pulls: Cloudflare R2. Host: docker/docs
    `content/manuals/desktop/setup/allow-list.md` (#25122). No transcript shows R2's query string:
    an S3 SigV4 presigned URL is assumed (R2 speaks the S3 API)."""

    hosts = ("docker-images-prod.6aa30f8b08e16409b46e0173d6de2f56.r2.cloudflarestorage.com",)
    scheme = SigV4
    # Source: ciiiii/cloudflare-docker-proxy#100, tetratelabs/car#35 (R2 with a forwarded
    # Authorization header: 400, this XML).
    refusal = (400, b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>InvalidRequest</Code>'
               b"<Message>Missing x-amz-content-sha256</Message></Error>")

    def path(self, digest, name):
        # Source: the CDN path in opencontainers/distribution-spec#299 (`/registry-v2/docker/registry/v2/blobs/…`).
        return "/registry-v2" + storage_path(digest)

    def digest_of(self, path):
        return digest_of_storage_path(path)


class DockerHub(Front):
    """registry-1.docker.io with its token service auth.docker.io."""

    key = "dockerhub"
    title = "Docker Hub"
    example = "mysql:8"
    private_example = "fathomzoo/private:latest"
    hosts = ("registry-1.docker.io",)
    # Source: docker/cli cli/config/configfile (Docker Hub's credentials are kept under the legacy
    # index address, `https://index.docker.io/v1/`).
    config_key = "https://index.docker.io/v1/"
    token_hosts = ("auth.docker.io",)
    token_paths = ("/token",)
    users = {USER: PASSWORD}
    repositories = (
        Repository("library/mysql", {"8": BUSYBOX_DOCKER, "8.4": BUSYBOX_DOCKER, "lts": BUSYBOX_DOCKER,
                                      "latest": BUSYBOX_DOCKER, "9": BUSYBOX_OCI}),
        Repository("library/nginx", {"latest": BUSYBOX_OCI, "stable": BUSYBOX_DOCKER}),
        Repository("fathomzoo/private", {"latest": BUSYBOX_OCI}, private=True),
        Repository("fathomzoo/pushed", {"seed": "demo/layers:base"}, private=True),
    )
    # Source: docker/hub-feedback#1960 and meziantou/Meziantou.Framework#2190: every tag at once
    # without `n`; with `n`, pages and a `Link` (gadievron/raptor#495).
    tag_page = None
    # Source: awslabs/soci-snapshotter#1828 (Docker Hub serves the referrers API since 2025).
    referrers_api = True

    def challenge(self, host, scope, error=None):
        # Source: CI docker/docker_image_test.go (a docker.io capture) and DC
        # docs/content/spec/auth/token.md: realm and service; `scope` on repository requests;
        # `error="insufficient_scope"` when the token does not cover it (CI docker/errors_test.go).
        value = 'Bearer realm="https://auth.docker.io/token",service="registry.docker.io"'
        if scope:
            value += f',scope="{scope}"'
        if error:
            value += f',error="{error}"'
        return value

    def missing_repository(self, host, name, action):
        # Source: CI docker/errors_test.go (a docker.io capture, 2021): a repository that does not
        # exist gets the same 401 `insufficient_scope` as a private one — never a 404.
        return self.denied(host, name, action)

    def bad_credentials(self):
        # Source: google/go-containerregistry pkg/v1/remote/transport/error_test.go.
        return Answer(401, b'{"details":"incorrect username or password"}\n', JSON)

    def response_headers(self, kind, method):
        # Source: docker/docs content/manuals/docker-hub/usage/pulls.md (`ratelimit-limit:
        # 100;w=21600`, `ratelimit-remaining`, `docker-ratelimit-source`); HSTS on every response
        # (the transcripts in docker/hub-feedback#2464).
        headers = {"Strict-Transport-Security": "max-age=31536000"}
        if kind == "manifests":
            headers.update({"ratelimit-limit": "100;w=21600", "ratelimit-remaining": "76;w=21600",
                            "docker-ratelimit-source": "127.0.0.1"})
        return headers

    def rate_limited(self):
        # Source: docker/hub-feedback#2464 (the 2025 wording, `ratelimit-remaining: 0`); no capture
        # shows a Retry-After on a pull-limit 429, so none is sent.
        return Answer(429, errors_body(
            "TOOMANYREQUESTS",
            "You have reached your unauthenticated pull rate limit. https://www.docker.com/increase-rate-limit"),
            {**JSON, "ratelimit-limit": "100;w=21600", "ratelimit-remaining": "0;w=21600",
             "docker-ratelimit-source": "127.0.0.1"})

    def blob_location(self, host, name, digest):
        # Source: opencontainers/distribution-spec#299 (307 to the blob store).
        return DockerHubR2(self.zoo).url(digest)


# ---- GitHub Container Registry -------------------------------------------------------------------


class GhcrBlobs(ObjectStore):
    """pkg-containers.githubusercontent.com: an Azure Blob SAS URL. Source: Michsior14/docker-mods#11
    (`/ghcr1/blobs/sha256:<hex>?se=…&sig=…&sp=r&spr=https&sr=b&sv=2019-12-12`)."""

    hosts = ("pkg-containers.githubusercontent.com",)
    scheme = AzureSas("2019-12-12")
    # Source: getsentry/cli src/lib/ghcr.ts ("forward the Authorization header to Azure, which
    # returns 404"); no body transcript: Azure's error shape.
    refusal = (404, b'<?xml version="1.0" encoding="utf-8"?><Error><Code>ResourceNotFound</Code>'
               b"<Message>The specified resource does not exist.</Message></Error>")

    def path(self, digest, name):
        return f"/ghcr1/blobs/{digest}"

    def digest_of(self, path):
        return digest_at_end(path)


class Ghcr(Front):
    """ghcr.io, whose token service is ghcr.io/token."""

    key = "ghcr"
    title = "GitHub Container Registry"
    example = "ghcr.io/fathom-demo/app:1.2"
    private_example = "ghcr.io/fathom-demo/private:1"
    hosts = ("ghcr.io",)
    token_hosts = ("ghcr.io",)
    token_paths = ("/token",)
    users = {USER: PASSWORD}
    repositories = (
        Repository("fathom-demo/app", {"1.2": BUSYBOX_OCI, "1.1": BUSYBOX_DOCKER, "1.2-attested": ATTESTED, **NIGHTLIES}),
        Repository("fathom-demo/private", {"1": BUSYBOX_OCI}, private=True),
        Repository("fathom-demo/pushed", {"seed": "demo/layers:base"}, private=True),
    )
    # Source: smg-project/smg#2348: 100 tags without `n`, `n` honoured above it, `Link` relative.
    tag_page = 100
    drop_headers = ()

    def challenge(self, host, scope, error=None):
        # Source: cloudflare/serverless-registry#149 (on /v2/ the scope is the placeholder
        # `repository:user/image:pull`); scope format from peer fixtures (`repository:<name>:pull`).
        return f'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="{scope or "repository:user/image:pull"}"'

    def unauthorized(self, host, scope, name, action, error=None):
        # Source: Mic92/niks3#229, BusKill/buskill-app#78: the body has no `detail`.
        return Answer(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}\n',
                      {**JSON, "WWW-Authenticate": self.challenge(host, scope)})

    def missing_repository(self, host, name, action):
        return self.denied(host, name, action)

    def denied(self, host, name, action):
        # Source: con/tinuous#232, renovatebot/renovate#11446: a token that may not read it gets
        # 403 DENIED with no WWW-Authenticate.
        return Answer(403, errors_body("DENIED", "requested access to the resource is denied"), JSON)

    def token_method_refused(self, method):
        # Source: open-component-model/ocm#400 (POST https://ghcr.io/token: 405).
        return Answer(405, b"", {}) if method == "POST" else None

    def token_answer(self, grant):
        # Source: richlander/container-registry-api ghcr.md: only `token`, no lifetime.
        return {"token": grant.encode()}

    def token_refused(self, grant, scopes):
        # Source: openai/tunnel-client#75: an anonymous token for a private or missing package is
        # refused with 401.
        if not grant.subject and not grant.access:
            return Answer(401, errors_body("UNAUTHORIZED", "authentication required"), JSON)
        return None

    def bad_credentials(self):
        # Source: Bossett/bsky-feeds#155 (the token service's 403 DENIED for wrong credentials).
        return Answer(403, errors_body("DENIED", "requested access to the resource is denied"), JSON)

    def missing_tag(self, name, tag):
        # Source: sigstore/cosign#1542 ("MANIFEST_UNKNOWN: manifest unknown"), no detail.
        return Answer(404, b'{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}\n', JSON)

    def rate_limited(self):
        # Source: chainguard-images/images#173, dependabot/cli#380 (the message carries the wait;
        # no Retry-After header is shown).
        return Answer(429, errors_body("TOOMANYREQUESTS", "retry-after: 880.092µs, allowed: 44000/minute"), JSON)

    def no_referrers(self):
        # Source: NVIDIA/aicr#1957 (GET …/referrers/<digest> → 404 MANIFEST_UNKNOWN).
        return Answer(404, b'{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}\n', JSON)

    def blob_location(self, host, name, digest):
        # Source: Michsior14/docker-mods#11, getsentry/cli src/lib/ghcr.ts (307 to Azure Blob).
        return GhcrBlobs(self.zoo).url(digest)


# ---- Quay.io -------------------------------------------------------------------------------------


class QuayCdn(ObjectStore):
    """cdn01.quay.io: Akamai in front of an S3 presigned URL. Source: quay/quay
    storage/akamaistorage.py and the URLs quoted in podman/containerd logs
    (`/quayio-production-s3/sha256/<2>/<hex>?X-Amz-…&akamai_signature=exp=…~hmac=…`)."""

    hosts = ("cdn01.quay.io",)
    scheme = SigV4
    # Source: rkt/rkt#2465 (Quay's redirect to S3 with Authorization: this 400); nothing shows
    # cdn01 itself, so S3's answer is emulated.
    refusal = (400, S3_ONE_AUTH)

    def path(self, digest, name):
        hex_ = digest.split(":")[1]
        return f"/quayio-production-s3/sha256/{hex_[:2]}/{hex_}"

    def digest_of(self, path):
        parts = path.split("/")
        return "sha256:" + parts[-1] if len(parts) >= 4 and parts[-3] == "sha256" else None

    def extra_query(self, name):
        namespace, _, repository = name.partition("/")
        expires = int(time.time()) + self.lifetime
        return {"region": "us-east-1", "namespace": namespace, "repo_name": repository,
                "akamai_signature": f"exp={expires}~hmac={sign(name)[:16]}"}


class Quay(Front):
    """quay.io, whose token service is quay.io/v2/auth (quay/quay, open source)."""

    key = "quay"
    title = "Quay.io"
    example = "quay.io/prometheus/node-exporter:latest"
    private_example = "quay.io/fathomzoo/private:latest"
    hosts = ("quay.io",)
    token_hosts = ("quay.io",)
    token_paths = ("/v2/auth",)
    token_lifetime = 3600  # quay/quay util/security/registry_jwt.py
    users = {USER: PASSWORD}
    repositories = (
        Repository("prometheus/node-exporter", {"latest": BUSYBOX_DOCKER, "v1.8.2": BUSYBOX_DOCKER,
                                                "v1.9.0": BUSYBOX_OCI, **NIGHTLIES}),
        Repository("fathomzoo/private", {"latest": BUSYBOX_OCI}, private=True),
    )
    # Source: quay/quay endpoints/v2/__init__.py:244-266 (public repositories need no token).
    anonymous_needs_token = False
    # Source: quay/quay endpoints/v2/manifest.py:145-152 (only Content-Type and
    # Docker-Content-Digest: no ETag, no API version header).
    drop_headers = ("etag", "docker-distribution-api-version")
    # Source: quay/quay endpoints/v2/__init__.py:82-84,136-180 (`n` defaults to and is capped at 100).
    tag_page = tag_max = 100
    # Source: quay/quay endpoints/v2/referrers.py (FEATURE_REFERRERS_API on by default).
    referrers_api = True

    def api(self, method, path, query, headers, body):
        if path in ("/v2", "/v2/"):
            # Source: quay/quay endpoints/v2/__init__.py:294-312 (the body is literally `true`).
            if self.authorize(headers) is None:
                return Answer(401, b"true", {"Content-Type": "text/html; charset=utf-8",
                                             "WWW-Authenticate": self.challenge(None, None),
                                             "Docker-Distribution-API-Version": "registry/2.0"})
            return Answer(200, b"true", {"Content-Type": "text/html; charset=utf-8"})
        return super().api(method, path, query, headers, body)

    def challenge(self, host, scope, error=None):
        # Source: quay/quay auth/registry_jwt_auth.py:70-88 (no scope on /v2/).
        value = 'Bearer realm="https://quay.io/v2/auth",service="quay.io"'
        return value + (f',scope="{scope}"' if scope else "")

    def unauthorized(self, host, scope, name, action, error=None):
        # Source: quay/quay endpoints/v2/errors.py:170-180.
        return Answer(401, errors_body("UNAUTHORIZED", "access to the requested resource is not authorized", {}),
                      {**JSON, "WWW-Authenticate": self.challenge(host, scope)})

    def missing_repository(self, host, name, action):
        # Source: quay/quay endpoints/v2/__init__.py:244-266 (missing and private look the same).
        return self.denied(host, name, action)

    def denied(self, host, name, action):
        return self.unauthorized(host, f"repository:{name}:{action}", name, action)

    def token_answer(self, grant):
        # Source: quay/quay endpoints/v2/v2auth.py:181 (`{"token": …}` only).
        return {"token": grant.encode()}

    def token_method_refused(self, method):
        # Source: quay/quay endpoints/v2/v2auth.py:67 (a GET route: POST is 405).
        return Answer(405, b"", {}) if method == "POST" else None

    def bad_credentials(self):
        # Source: quay/quay endpoints/v2/v2auth.py:91-93.
        return Answer(401, errors_body("UNAUTHORIZED", "Invalid Username or Password", {}),
                      {**JSON, "WWW-Authenticate": self.challenge(None, None)})

    def missing_tag(self, name, tag):
        # Source: quay/quay endpoints/v2/manifest.py:89-103.
        return Answer(404, errors_body("MANIFEST_UNKNOWN", "manifest unknown", {}), JSON)

    def rate_limited(self):
        # Source: quay/quay conf/nginx/rate-limiting.conf.jnj (nginx limit_req: its HTML page, no
        # Retry-After).
        return Answer(429, b"<html>\r\n<head><title>429 Too Many Requests</title></head>\r\n<body>\r\n"
                           b"<center><h1>429 Too Many Requests</h1></center>\r\n</body>\r\n</html>\r\n",
                      {"Content-Type": "text/html"})

    def tags_link(self, name, last, n):
        # Source: quay/quay endpoints/v2/__init__.py:160-170 (origin-relative, `n` before `last`).
        return f'</v2/{name}/tags/list?{urlencode({"n": n, "last": last})}>; rel="next"'

    # Source: quay/quay endpoints/v2/blob.py:132 (a Flask redirect: 302); a blob HEAD is answered
    # directly (blob.py:59-86).
    blob_redirect_status = 302

    def blob_location(self, host, name, digest):
        return QuayCdn(self.zoo).url(digest, name)


# ---- Amazon ECR Public ---------------------------------------------------------------------------


class EcrPublicCdn(ObjectStore):
    """ECR Public's CloudFront host. Source: docker/sbx-releases#525 (d2glxqk2uabbnd.cloudfront.net,
    path `/v2/…`). No source shows the query: a CloudFront canned-policy URL is assumed."""

    hosts = ("d2glxqk2uabbnd.cloudfront.net",)
    scheme = CloudFrontCanned
    # No source for CloudFront here; the S3 answer behind private ECR (open-policy-agent/opa#6580).
    refusal = (400, S3_ONE_AUTH)

    def path(self, digest, name):
        return f"/v2/{name}/blobs/{digest}"

    def digest_of(self, path):
        return digest_at_end(path)


class EcrPublic(Front):
    """public.ecr.aws. It has no private repositories (those live in private ECR)."""

    key = "ecr"
    title = "Amazon ECR Public"
    example = "public.ecr.aws/nginx/nginx:latest"
    hosts = ("public.ecr.aws",)
    token_hosts = ("public.ecr.aws",)
    token_paths = ("/token", "/token/")
    users = {"AWS": PASSWORD}  # `docker login -u AWS` (https://docs.aws.amazon.com/AmazonECR/latest/public/public-registry-auth.html)
    repositories = (
        Repository("nginx/nginx", {"latest": BUSYBOX_OCI, "stable": BUSYBOX_DOCKER, "mainline": BUSYBOX_OCI}),
    )
    # Source: renovatebot/renovate#17946 (`n` above 1000: 405); no source for paging.
    tag_max = 1000

    def challenge(self, host, scope, error=None):
        # Source: renovatebot/renovate lib/modules/datasource/docker/index.spec.ts (the scope is
        # always the literal `aws`), lablup/backend.ai#2549.
        return 'Bearer realm="https://public.ecr.aws/token/",service="public.ecr.aws",scope="aws"'

    def unauthorized(self, host, scope, name, action, error=None):
        # Source: jetstack/version-checker#122, lablup/backend.ai#2549 (content-length 58).
        return Answer(401, b'{"errors":[{"code":"DENIED","message":"Not Authorized"}]}\n',
                      {"Content-Type": "application/json; charset=utf-8", "WWW-Authenticate": self.challenge(host, scope),
                       "proxy-support": "Session-Based-Authentication"})

    def grant(self, user, scopes):
        # Source: dependabot/dependabot-core#4212 (a token for `scope=aws` reads every public repository).
        grant = super().grant(user, scopes)
        for repository in self.repositories:
            grant.access.setdefault(repository.name, set()).add("pull")
        return grant

    def token_answer(self, grant):
        # Source: renovate index.spec.ts, distribution/distribution#3842 (only `.token` is read).
        return {"token": grant.encode()}

    def token_method_refused(self, method):
        # No source for POST: refused, so clients fall back to GET.
        return Answer(405, b"", {}) if method == "POST" else None

    def missing_repository(self, host, name, action):
        # Source: aws-samples/amazon-eks-cdk-blue-green-cicd#24.
        alias = name.split("/")[0]
        return Answer(404, errors_body("NAME_UNKNOWN", f"The repository with name '{name.split('/', 1)[-1]}' does "
                                       f"not exist in the registry with id '{alias}'"), JSON)

    def allowed(self, user, name):
        # A token for `aws` names no repository: a missing one is answered NAME_UNKNOWN after it.
        return {"pull", "push"} if user else {"pull"}

    def missing_tag(self, name, tag):
        # Source: nginx/docker-nginx#545 ("manifest unknown: Requested image not found").
        return Answer(404, errors_body("MANIFEST_UNKNOWN", "Requested image not found"), JSON)

    def rate_limited(self):
        # Source: aws/aws-lambda-web-adapter#429 ("toomanyrequests: Rate exceeded"); no Retry-After seen.
        return Answer(429, errors_body("TOOMANYREQUESTS", "Rate exceeded"), JSON)

    def response_headers(self, kind, method):
        return {}

    def forward(self, method, name, tail, query, headers, body, host):
        answer = super().forward(method, name, tail, query, headers, body, host)
        if tail.startswith("manifests/") and method == "GET":
            # Source: estesp/manifest-tool#124, krustlet/krustlet#667: a manifest GET carries no
            # Docker-Content-Digest and no ETag (HEAD does carry the digest).
            answer.headers = {k: v for k, v in answer.headers.items() if k.lower() not in ("docker-content-digest", "etag")}
        return answer

    def blob_head(self, host, name, digest):
        # Source: aws/containers-roadmap#2671, buildbuddy-io/buildbuddy#12566: a blob HEAD is 401
        # even with a valid token.
        return Answer(401, b"", {"WWW-Authenticate": self.challenge(host, None)})

    def no_referrers(self):
        # No source for ECR Public: a 404 so that clients fall back to the tag schema.
        return Answer(404, errors_body("NOT_FOUND", "not found"), JSON)

    def blob_location(self, host, name, digest):
        # Source: distribution/distribution#4383 (307 to CloudFront).
        return EcrPublicCdn(self.zoo).url(digest, name)


# ---- Microsoft Artifact Registry (MCR) -----------------------------------------------------------


class McrData(ObjectStore):
    """<region>.data.mcr.microsoft.com: an Azure Blob SAS URL with distribution's path behind a
    double slash. Source: richlander/container-registry-api README.md, microsoft/containerregistry
    docs/client-firewall-rules.md."""

    hosts = ("westus2.data.mcr.microsoft.com",)
    REGID = "01031d61e1024861afee5d512651eb9f"
    scheme = AzureSas("2016-05-31")
    # Source: Azure/acr docs/FAQ.md, Azure/acr#217 (Azure Blob behind ACR, which MCR is built on).
    refusal = (400, b'<?xml version="1.0" encoding="utf-8"?><Error><Code>InvalidAuthenticationInfo</Code>'
               b"<Message>Authentication information is not given in the correct format. Check the "
               b"value of Authorization header.</Message></Error>")

    def path(self, digest, name):
        return f"/{self.REGID}-h36fskt2ei/" + storage_path(digest)

    def digest_of(self, path):
        return digest_of_storage_path(path)

    def extra_query(self, name):
        return {"regid": self.REGID}


class Mcr(Front):
    """mcr.microsoft.com: anonymous, no token service, no private repositories."""

    key = "mcr"
    title = "Microsoft Artifact Registry"
    example = "mcr.microsoft.com/dotnet/runtime:8.0"
    hosts = ("mcr.microsoft.com",)
    repositories = (
        Repository("dotnet/runtime", {"8.0": BUSYBOX_DOCKER, "9.0": BUSYBOX_OCI, "8.0-alpine": BUSYBOX_DOCKER}),
    )
    # Source: microsoft/containerregistry#180 (/v2/ answers `{}` with no challenge).
    anonymous_needs_token = False
    # Source: richlander/container-registry-api README.md (every tag in one answer).
    tag_page = None
    # Source: oras-project/oras#1741 (`oras discover` lists MCR's referrers).
    referrers_api = True
    # Source: containerd/containerd#7218, #8028 (manifest responses expose headers; no
    # Access-Control-Allow-Origin is shown, so browsers cannot read MCR directly).
    cors = {"Access-Control-Expose-Headers": "Docker-Content-Digest, WWW-Authenticate, Link, X-Ms-Correlation-Request-Id"}

    def challenge(self, host, scope, error=None):
        return ""

    def allowed(self, user, name):
        return {"pull"}

    def missing_repository(self, host, name, action):
        # No source for a missing repository's manifest: answered as a missing tag.
        return self.missing_tag(name, "latest")

    def missing_tag(self, name, tag):
        # Source: MicrosoftDocs/azure-docs#90060, microsoft/containerregistry#78.
        return Answer(404, errors_body("MANIFEST_UNKNOWN", f'manifest tagged by "{tag}" is not found', {"Tag": tag}), JSON)

    def rate_limited(self):
        # Source: microsoft/containerregistry#108.
        return Answer(429, errors_body("TOOMANYREQUESTS", "Too many requests. Please visit "
                                       "https://aka.ms/acr/skus#sku-feature-matrix to view limits of all service tiers."), JSON)

    def response_headers(self, kind, method):
        # Source: containerd/containerd#7218, #7439.
        if kind != "manifests":
            return {}
        return {"Strict-Transport-Security": "max-age=31536000; includeSubDomains", "X-Cache": "CONFIG_NOCACHE",
                "X-Content-Type-Options": "nosniff", "X-Mcr-Env": "prod"}

    def blob_location(self, host, name, digest):
        return McrData(self.zoo).url(digest)

    def api(self, method, path, query, headers, body):
        answer = super().api(method, path, query, headers, body)
        if answer.status == 307:
            # Source: richlander/container-registry-api README.md (an HTML body with the link).
            answer.body = f'<a href="{answer.headers["Location"]}">Temporary Redirect</a>.'.encode()
        return answer


# ---- Google: Artifact Registry, gcr.io (served by Artifact Registry since 2025) -----------------


class GoogleRegistry(Front):
    """What gcr.io and `*-docker.pkg.dev` share: public repositories read without a token, blobs
    redirected to the same host's `/artifacts-downloads/…` (jonjohnsonjr/dagdotdev
    pkg/ggcr/remote/layer.go; ken1ma/ko-agent-sandbox doc/PLAN-PATH-PREFIX-ALLOWANCE.md, 2026),
    no ETag, a token JSON of `token`, `expires_in` and `issued_at`."""

    anonymous_needs_token = False
    drop_headers = ("etag",)
    blob_redirect_status = 302  # ken1ma/ko-agent-sandbox: 302 with a relative Location
    users = {"_json_key": PASSWORD, "oauth2accesstoken": PASSWORD, USER: PASSWORD}

    def token_answer(self, grant):
        # Source: the gcr.io token transcript in lework/lework.github.io _posts/2020/2020-08-16-docker-pull.md.
        return {"expires_in": self.token_lifetime, "issued_at": iso(int(time.time())), "token": grant.encode()}

    def token_method_refused(self, method):
        # Source: containerd core/remotes/docker/authorizer.go ("As of September 2017, GCR is known
        # to return 404" to the OAuth2 POST).
        return Answer(404, b"", {}) if method == "POST" else None

    def missing_tag(self, name, tag):
        # Source: firezone/firezone#10484, pixie-io/pixie#2203.
        return Answer(404, errors_body("MANIFEST_UNKNOWN", f'Failed to fetch "{tag}".'), JSON)

    def rate_limited(self):
        # No source for the body (https://cloud.google.com/artifact-registry/quotas gives the quota).
        return Answer(429, errors_body("TOOMANYREQUESTS", "Quota exceeded."), JSON)

    def denied(self, host, name, action):
        # Source: argoproj/argo-cd#26260, google/fuzzbench#1981.
        project = name.split("/")[0]
        permission = "downloadArtifacts" if action == "pull" else "uploadArtifacts"
        return Answer(403, errors_body("DENIED", "Unauthenticated request. Unauthenticated requests do not have "
                                       f'permission "artifactregistry.repositories.{permission}" on resource '
                                       f'"projects/{project}/locations/us/repositories/{self.location_repository(name)}" '
                                       "(or it may not exist)"), JSON)

    def location_repository(self, name: str) -> str:
        return name.split("/")[1] if "/" in name else name

    def token_refused(self, grant, scopes):
        # Source: argoproj/argo-cd#26260, kubernetes/ingress-nginx#9151: the token service itself
        # refuses an anonymous token for a private or missing repository (403 DENIED).
        names = [s.split(":")[1] for s in scopes if s.startswith("repository:") and s.count(":") == 2]
        if not grant.subject and names and not any(n in grant.access for n in names):
            return self.denied("", names[0], "pull")
        return None

    def missing_repository(self, host, name, action):
        return self.denied(host, name, action)

    def blob_location(self, host, name, digest):
        expires = int(time.time()) + 600
        download = f"{digest}.{expires}.{sign(f'{digest}|{expires}')}"
        project = name.split("/")[0]
        return f"/artifacts-downloads/namespaces/{project}/repositories/{self.location_repository(name)}/downloads/{download}"

    def extra_route(self, method, path, query, headers):
        if not path.startswith("/artifacts-downloads/"):
            return None
        # The second hop (same host; a client may resend its Authorization, which is accepted).
        try:
            digest, expires, signature = path.rsplit("/", 1)[-1].split(".")
            blob = self.zoo.blob_path(digest)
            good = int(expires) >= time.time() and signature == sign(f"{digest}|{expires}")
        except ValueError:
            blob, good = None, False
        if not (blob and good):
            return Answer(404, errors_body("NOT_FOUND", "Requested entity was not found."), JSON)
        data = blob.read_bytes()
        return Answer(200, data if method == "GET" else b"",
                      {"Content-Type": "application/octet-stream", "Content-Length-Override": str(len(data))})



class Gcr(GoogleRegistry):
    """gcr.io, served by Artifact Registry since 18 March 2025
    (https://cloud.google.com/artifact-registry/docs/transition/setup-gcr-repo)."""

    key = "gcr"
    title = "Google Container Registry"
    example = "gcr.io/distroless/static:nonroot"
    private_example = "gcr.io/fathom-zoo/private:latest"
    hosts = ("gcr.io",)
    token_hosts = ("gcr.io",)
    token_paths = ("/v2/token",)
    token_lifetime = 43200
    repositories = (
        Repository("distroless/static", {"nonroot": BUSYBOX_OCI, "latest": BUSYBOX_OCI, "debug": BUSYBOX_DOCKER}),
        Repository("fathom-zoo/private", {"latest": BUSYBOX_OCI}, private=True),
    )
    # Source: google/go-containerregistry#897 (gcr.io ignores `n`/`last`; no Link).
    pages_tags = False

    def challenge(self, host, scope, error=None):
        # Source: lework/lework.github.io (the /v2/ challenge), containerd/cri#1482 (with scope).
        return 'Bearer realm="https://gcr.io/v2/token",service="gcr.io"' + (f',scope="{scope}"' if scope else "")

    def unauthorized(self, host, scope, name, action, error=None):
        # Source: lework/lework.github.io (the 69-byte body).
        return Answer(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"Unauthorized access."}]}',
                      {**JSON, "WWW-Authenticate": self.challenge(host, scope)})

    def location_repository(self, name):
        return "gcr.io"

    def tag_list(self, name, tags):
        # Source: regclient/regclient types/tag/taglist_test.go (the `child` and `manifest` fields).
        return {"child": [], "manifest": {}, "name": name, "tags": tags}

    def no_referrers(self):
        # No source for gcr.io's referrers answer: a 404, so that clients use the tag schema.
        return Answer(404, errors_body("NOT_FOUND", "Requested entity was not found."), JSON)


class ArtifactRegistry(GoogleRegistry):
    """`<region>-docker.pkg.dev`: us-docker.pkg.dev, and us-west1-docker.pkg.dev (where
    registry.k8s.io redirects)."""

    key = "ar"
    title = "Google Artifact Registry"
    example = "us-docker.pkg.dev/fathom-demo/images/app:1"
    private_example = "us-docker.pkg.dev/fathom-demo/private/app:1"
    hosts = ("us-docker.pkg.dev", "us-west1-docker.pkg.dev")
    token_hosts = hosts
    token_paths = ("/v2/token",)
    token_lifetime = 3600  # no source for AR's token JSON: the GCR shape, an hour
    repositories = (
        Repository("fathom-demo/images/app", {"1": BUSYBOX_OCI, "1.0": BUSYBOX_OCI, "2": BUSYBOX_DOCKER}),
        Repository("fathom-demo/private/app", {"1": BUSYBOX_OCI}, private=True),
        Repository("k8s-artifacts-prod/images/pause", {"3.9": BUSYBOX_DOCKER, "3.10": BUSYBOX_OCI}),
    )
    # Source: kubernetes-sigs/promo-tools#1945 (…/referrers/<digest> answers 200).
    referrers_api = True
    # Source: google/go-containerregistry#1643 (`n` caps the page, up to 10,000; no Link seen).
    tag_max = 10000

    def challenge(self, host, scope, error=None):
        # Source: apple/container#2274 (/v2/: realm only; repository requests add service and scope).
        if not scope:
            return f'Bearer realm="https://{host}/v2/token"'
        return f'Bearer realm="https://{host}/v2/token",service="{host}",scope="{scope}"'

    def unauthorized(self, host, scope, name, action, error=None):
        # No source for the body text.
        return Answer(401, errors_body("UNAUTHORIZED", "Unauthenticated request."),
                      {**JSON, "WWW-Authenticate": self.challenge(host, scope)})


# ---- registry.k8s.io -----------------------------------------------------------------------------


class K8sBlobs(ObjectStore):
    """registry.k8s.io's default blob host for clients outside AWS: unsigned public objects.
    Source: kubernetes/registry.k8s.io cmd/archeio/internal/app/buckets.go
    (`https://d1be1w964nk82h.cloudfront.net`, `/containers/images/sha256:<hex>`)."""

    hosts = ("d1be1w964nk82h.cloudfront.net",)
    # Source: Einstore/Einstore#152 (an unsigned S3 object asked with a Bearer token).
    refusal = (400, b"<Error><Code>InvalidArgument</Code><Message>Unsupported Authorization Type</Message>"
               b"<ArgumentName>Authorization</ArgumentName></Error>")

    def path(self, digest, name):
        return f"/containers/images/{digest}"

    def digest_of(self, path):
        return digest_at_end(path)


class K8s(Front):
    """registry.k8s.io (archeio): no challenge; every request but a blob's is redirected to the
    regional Artifact Registry, blobs to object storage. Source: kubernetes/registry.k8s.io
    cmd/archeio/internal/app/handlers.go."""

    key = "k8s"
    title = "registry.k8s.io"
    example = "registry.k8s.io/pause:3.9"
    hosts = ("registry.k8s.io",)
    anonymous_needs_token = False
    rate_limits = False  # its Cloud Armor limit (cloud-armor.tf) answers before archeio: not emulated
    UPSTREAM = "https://us-west1-docker.pkg.dev/v2/k8s-artifacts-prod/images"

    def challenge(self, host, scope, error=None):
        return ""

    def redirect(self, host, path):
        if path in ("/v2", "/v2/"):
            # handlers.go L92-109: 200, no challenge.
            return Answer(200, b"", {"Docker-Distribution-Api-Version": "registry/2.0", "Content-Type": "text/html"})
        if path.endswith("/referrers") or "/referrers/" in path:
            # Source: kubernetes/k8s.io infra/gcp/terraform/modules/oci-proxy/cloud-armor.tf
            # (referrers are not on the edge's allow-list: 404).
            return Answer(404, b"", {"Content-Type": "text/html"})
        if not path.startswith("/v2/"):
            return Answer(404, b"404 page not found\n", {"Content-Type": "text/plain; charset=utf-8"})
        tail = path[len("/v2/"):]
        if "/blobs/sha256:" in tail:
            location = K8sBlobs(self.zoo).url(tail.rsplit("/", 1)[-1])
        else:
            # handlers.go L117-131: 307 to the upstream, the query string dropped.
            location = f"{self.UPSTREAM}/{tail}"
        body = f'<a href="{location}">Temporary Redirect</a>.\n\n'.encode()
        return Answer(307, body, {"Location": location, "Content-Type": "text/html; charset=utf-8"})

    def api(self, method, path, query, headers, body):
        if method not in ("GET", "HEAD"):
            # handlers.go L53-56.
            return Answer(405, b"Only GET and HEAD are allowed.\n", {"Content-Type": "text/plain; charset=utf-8"})
        answer = super().api(method, path, query, headers, body)
        if method == "HEAD":
            answer.body = b""
        return answer


# ---- a self-hosted registry: CNCF distribution with htpasswd on a custom port --------------------


class SelfHosted(Front):
    """registry.example.com:5443 — distribution with `auth: htpasswd`: Basic credentials on every
    request, no token service, every repository private to its users."""

    key = "selfhosted"
    title = "a self-hosted registry"
    named_as = "registry.example.com:5443"  # a registry fathom does not know is named by its host
    example = "registry.example.com:5443/team/app:1"
    private_example = "registry.example.com:5443/team/app:1"
    hosts = ("registry.example.com",)
    port = 5443
    anonymous_pull = False
    rate_limits = False  # DC registry/api/errcode/register.go: TOOMANYREQUESTS is never sent
    users = {USER: PASSWORD}
    repositories = (
        Repository("team/app", {"1": BUSYBOX_OCI, "1.1": BUSYBOX_OCI, "2": BUSYBOX_DOCKER}, private=True),
    )
    # Source: DC v3.0 registry/handlers/tags.go (`n`/`last` honoured, `Link` relative, last before n).
    tag_page = None

    def challenge(self, host, scope, error=None):
        # Source: DC registry/auth/htpasswd/access.go:125 (`Basic realm=%q`; the realm of
        # DC docs/content/about/deploying.md).
        return 'Basic realm="Registry Realm"'

    def authorize(self, headers):
        user, good = self.credentials(headers, {})
        if user is None or not good:
            return None
        return self.grant(user, [f"repository:{r.name}:pull,push" for r in self.repositories])

    def response_headers(self, kind, method):
        # Source: DC cmd/registry/config-example.yml (`X-Content-Type-Options: nosniff` on every response).
        return {"X-Content-Type-Options": "nosniff"}

    def missing_repository(self, host, name, action):
        # Source: DC registry/handlers/manifests.go (a tag in a missing repository: MANIFEST_UNKNOWN).
        return Answer(404, errors_body("MANIFEST_UNKNOWN", "manifest unknown", {"Tag": "latest"}), JSON)


def name_of(kind) -> str:
    """How fathom's messages name a registry of the zoo."""
    return kind.named_as or kind.title


FRONTS = [DockerHub, Ghcr, Quay, EcrPublic, Mcr, Gcr, ArtifactRegistry, K8s, SelfHosted]
STORES = [DockerHubR2, GhcrBlobs, QuayCdn, EcrPublicCdn, McrData, K8sBlobs]
