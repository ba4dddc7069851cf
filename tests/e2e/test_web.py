"""The web app in real headless Chromium (Debian's, driven by Playwright), served by the worker on
workerd, walking the real demo registry in the page. Screenshots of every test are kept in
target/web-artifacts/."""

import json
import time
import urllib.parse
import urllib.request

import pytest

from conftest import ARTIFACTS, CLOSED_PORT, ROOT, fetch_manifest, push_blob, push_manifest

EXPECTED = {t["ref"]: t for t in json.loads((ROOT / "scripts/demo-registry/expected.json").read_text())["tags"]}
INDEX = "application/vnd.oci.image.index.v1+json"


def wait_for(page, expression, timeout=30_000):
    """Waits until `expression` is true in the page. Playwright's `wait_for_function` evaluates its
    predicate with `eval` inside the page, which the page's Content-Security-Policy refuses (as it
    should); `page.evaluate` goes through the DevTools protocol instead."""
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} ms waiting for {expression}")
        page.wait_for_timeout(50)


def open_view(page, reference, platform=None, digest=None):
    query = {"ref": reference}
    if platform:
        query["platform"] = platform
    if digest:
        query["digest"] = digest
    page.goto("/?" + urllib.parse.urlencode(query))


def rows(page):
    """(digest, verified text, classes) of the visible rows."""
    page.wait_for_selector("#platforms tbody tr", timeout=30_000)
    return page.eval_on_selector_all(
        "#platforms tbody tr:not([hidden])",
        "rs => rs.map(r => [r.dataset.digest, r.cells[9].innerText, r.className, r.dataset.arch])",
    )


@pytest.mark.parametrize("tag", ["demo/busybox:oci", "demo/busybox:docker", "demo/attested:latest",
                                 "demo/nested:latest", "demo/app:8-arm64"])
def test_each_demo_tag_shows_its_platforms_verified(page, tag):
    open_view(page, f"127.0.0.1:5555/{tag}", platform="linux/amd64")
    shown = rows(page)
    expected = EXPECTED[tag]
    assert page.inner_text("#top-digest") == expected["digest"]
    if "manifests" in expected:
        images = [m["digest"] for m in expected["manifests"] if m["platform"] != "unknown/unknown"]
        assert [r[0] for r in shown][: len(images)] == images
    else:
        assert [r[0] for r in shown] == [expected["digest"]]
    assert all(r[1] == "✔ verified" for r in shown), shown


def test_attestations_fold_under_a_toggle(page):
    open_view(page, "127.0.0.1:5555/demo/attested:latest")
    before = len(rows(page))
    page.check("#show-attestations")
    after = page.eval_on_selector_all("#platforms tbody tr:not([hidden])", "rs => rs.length")
    assert after == before + 1
    assert "attestation" in page.inner_text("#platforms")


def test_a_forced_platform_highlights_its_row(page):
    open_view(page, "127.0.0.1:5555/demo/busybox:oci", platform="linux/arm64/v8")
    chosen = [r for r in rows(page) if "chosen" in r[2]]
    assert [r[3] for r in chosen] == ["arm64"]
    assert "linux/arm64" in page.inner_text("#match")


def test_an_architecture_alone_means_linux(page):
    open_view(page, "127.0.0.1:5555/demo/busybox:oci", platform="arm64")
    chosen = [r for r in rows(page) if "chosen" in r[2]]
    assert [r[3] for r in chosen] == ["arm64"]


def test_a_missing_platform_is_explained(page):
    open_view(page, "127.0.0.1:5555/demo/busybox:oci", platform="linux/riscv64")
    rows(page)
    text = page.inner_text("#match")
    assert "no matching manifest for linux/riscv64" in text
    assert not [r for r in rows(page) if "chosen" in r[2]]


def test_changing_the_platform_selector_rewalks(page):
    open_view(page, "127.0.0.1:5555/demo/busybox:oci", platform="linux/amd64")
    rows(page)
    page.select_option("#platform", "linux/arm/v7")
    page.wait_for_url("**platform=linux%2Farm%2Fv7**")
    wait_for(page, "document.querySelector('#platforms tr.chosen')?.dataset.arch === 'arm'")


def test_a_hanging_registry_does_not_hold_the_next_reference(page, fault_proxy):
    """The view is loaded for the URL: asking for another reference while a walk hangs starts
    the new walk at once, and the superseded one (aborted) never replaces the view — not even
    after it would have timed out (2 s here: UPSTREAM_TIMEOUT_SECONDS)."""
    open_view(page, f"{fault_proxy}/fault-stall/demo/busybox:oci")
    page.wait_for_selector("#progress")
    # Anything the stalled walk showed, however briefly (its timeout, before the new walk) counts.
    page.evaluate("""() => new MutationObserver(() => {
        if (document.querySelector('#error')) window.sawError = true;
    }).observe(document.body, {childList: true, subtree: true})""")
    page.fill("#ref", "127.0.0.1:5555/demo/busybox:oci")
    page.press("#ref", "Enter")
    shown = rows(page)
    assert page.inner_text("#top-digest") == EXPECTED["demo/busybox:oci"]["digest"]
    page.wait_for_timeout(3_000)
    assert not page.evaluate("window.sawError === true")
    assert rows(page) == shown and page.inner_text("#top-digest") == EXPECTED["demo/busybox:oci"]["digest"]


def test_a_share_link_reopens_the_same_view(page):
    open_view(page, "127.0.0.1:5555/demo/busybox:docker", platform="linux/arm64")
    first = rows(page)
    digest = page.inner_text("#top-digest")
    link = page.evaluate("() => document.querySelector('#copy-link') && location.origin")
    assert link, "a share button"
    open_view(page, "127.0.0.1:5555/demo/busybox:docker", platform="linux/arm64", digest=digest)
    assert rows(page) == first
    assert page.query_selector("#drift") is None
    page.go_back()
    page.wait_for_selector("#platforms")
    assert page.inner_text("#top-digest") == digest


def test_bad_input_and_failures_are_clear(page, fault_proxy):
    open_view(page, "Busybox:la test")
    page.wait_for_selector("#error")
    assert "invalid reference" in page.inner_text("#error")
    open_view(page, "127.0.0.1:5555/demo/busybox:no-such-tag")
    page.wait_for_selector("#error", timeout=30_000)
    assert "Not found" in page.inner_text("#error")
    open_view(page, "127.0.0.1:5556/demo/busybox:oci")
    page.wait_for_selector("#error", timeout=30_000)
    assert "credentials" in page.inner_text("#error")
    open_view(page, "127.0.0.1:5582/fault-429-long/demo/busybox:oci")
    page.wait_for_selector("#error", timeout=30_000)
    limited = page.inner_text("#error")
    assert "Rate limited" in limited and "3600 s" in limited
    assert "42 of 100 pulls left per 6 h (counted for 192.0.2.7)" in limited
    open_view(page, "10.1.2.3/demo/busybox:oci")
    page.wait_for_selector("#error", timeout=30_000)
    assert "does not reach" in page.inner_text("#error")


def test_an_unreachable_registry_is_named_not_a_502(page):
    """A registry nothing answers for: the page (through the proxy, which tells the cause) names
    the host and says it could not be reached — not "the registry failed with HTTP 502"."""
    open_view(page, f"{CLOSED_PORT}/demo/busybox:oci")
    page.wait_for_selector("#error", timeout=30_000)
    text = page.inner_text("#error")
    assert "could not be reached" in text and CLOSED_PORT in text, text
    assert "HTTP 502" not in text, text


def test_the_landing_page_says_what_fathom_does_and_why_to_trust_it(page):
    page.goto("/")
    page.wait_for_selector("#landing")
    text = page.inner_text("#landing")
    for point in ("Every platform", "Your machine", "Proof, not trust", "hashed"):
        assert point in text, text
    assert page.eval_on_selector_all(".examples a", "links => links.length") >= 3, "demo links to start from"


def test_a_first_load_is_the_shell_and_each_view_fetches_its_chunks_when_first_needed(page):
    """scripts/build-web.sh splits the page's wasm (web/src/chunks.rs): the landing page fetches
    the shell alone; the first reference asked for fetches the walk's and the report's chunks, and
    none of the compare or archive views'."""
    fetched = []
    page.on("request", lambda r: r.url.endswith(".wasm") and fetched.append(r.url.rsplit("/", 1)[-1]))
    page.goto("/")
    page.wait_for_selector("#landing")
    page.wait_for_timeout(500)
    assert len(fetched) == 1 and fetched[0].startswith("fathom-web-"), fetched
    page.fill("#ref", "127.0.0.1:5555/demo/busybox:oci")
    page.click("button[type=submit]")
    assert len(rows(page)) >= 8
    splits = sorted(f.split("-")[0] for f in fetched if f.startswith("split_"))
    assert splits == ["split_report", "split_walk"], fetched
    assert any(f.startswith("chunk_") for f in fetched), fetched
    page.goto("/compare?a=127.0.0.1:5555/demo/busybox:oci&b=127.0.0.1:5555/demo/busybox:docker")
    assert compare_rows(page)
    assert any(f.startswith("split_compare-") for f in fetched), fetched


def test_a_chunk_that_cannot_be_fetched_is_an_error_then_fetched_again(page):
    """A chunk the network does not deliver is a clear error in the page, not an abort of the app:
    the next ask fetches it anew and walks."""
    page.route("**/split_walk-*.wasm", lambda route: route.abort())
    open_view(page, "127.0.0.1:5555/demo/busybox:oci", platform="linux/amd64")
    page.wait_for_selector("#chunk-error")
    assert "could not be loaded" in page.inner_text("#chunk-error")
    page.unroute("**/split_walk-*.wasm")
    page.select_option("#platform", "linux/arm64")
    assert len(rows(page)) >= 8
    assert page.query_selector("#chunk-error") is None


def test_the_row_your_platform_pulls_is_marked_and_says_so(page):
    open_view(page, "127.0.0.1:5555/demo/busybox:oci", platform="linux/arm64/v8")
    rows(page)
    colours = page.eval_on_selector_all(
        "#platforms tbody tr:not([hidden])",
        "rs => rs.map(r => [r.classList.contains('chosen'), getComputedStyle(r.cells[1]).backgroundColor])",
    )
    chosen = {colour for is_chosen, colour in colours if is_chosen}
    others = {colour for is_chosen, colour in colours if not is_chosen}
    assert len(chosen) == 1 and not chosen & others, colours
    assert chosen != {"rgba(0, 0, 0, 0)"}, "the chosen row has a background of its own"
    assert page.inner_text("#platforms tr.chosen .yours") == "your pull"


def test_a_phone_does_not_scroll_sideways(browser, worker):
    context = browser.new_context(base_url=worker, viewport={"width": 360, "height": 780})
    page = context.new_page()
    try:
        for url in ("/", "/?ref=127.0.0.1:5555/demo/busybox:oci&platform=linux/arm64/v8"):
            page.goto(url)
            page.wait_for_selector("#landing" if url == "/" else "#platforms tbody tr", timeout=30_000)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 360, f"{url}: the page is {width} px wide"
        table = page.eval_on_selector("#platforms", "t => [t.scrollWidth, t.clientWidth]")
        assert table[0] > table[1], "the table scrolls in its own box"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "phone-result.png"), full_page=True)
    finally:
        context.close()


def test_the_keyboard_alone_is_enough(page):
    page.goto("/")
    page.wait_for_selector("#landing")
    for _ in range(6):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "ref":
            break
    assert page.evaluate("document.activeElement.id") == "ref", "Tab reaches the reference field"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none", "focus is visible"
    page.keyboard.type("127.0.0.1:5555/demo/attested:latest")
    page.keyboard.press("Enter")
    before = len(rows(page))
    page.focus("#show-attestations")
    page.keyboard.press("Space")
    wait_for(page, f"document.querySelectorAll('#platforms tbody tr:not([hidden])').length > {before}")


def test_the_page_is_served_with_a_strict_content_security_policy(page, browser, worker):
    """The page's own headers (web/dist/_headers, applied by the assets binding): a CSP that allows
    only what the app does, no sniffing, no referrer, no framing — while the JSON API keeps its
    public CORS without credentials."""
    response = page.goto("/?ref=127.0.0.1:5555/demo/busybox:oci")
    headers = response.headers
    policy = dict(d.strip().split(" ", 1) for d in headers["content-security-policy"].split(";"))
    assert policy["default-src"] == "'none'" and policy["frame-ancestors"] == "'none'", policy
    assert "'wasm-unsafe-eval'" in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"].split()
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-inline'" not in policy["style-src"]
    assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "no-referrer"
    rows(page)  # the app runs under it (the fixture fails the test on any violation)
    # A violation would be seen: in a page of its own, a script the policy does not allow is
    # refused, and reported as the fixture's check expects.
    context = browser.new_context(base_url=worker)
    other, seen = context.new_page(), []
    other.on("console", lambda m: "Content Security Policy" in m.text and seen.append(m.text))
    other.goto("/")
    refused = other.evaluate("""() => new Promise(resolve => {
        document.addEventListener('securitypolicyviolation', e => resolve(e.violatedDirective));
        const s = document.createElement('script'); s.textContent = 'window.__ran = 1';
        document.body.appendChild(s);
        setTimeout(() => resolve(null), 2000);
    })""")
    ran = other.evaluate("() => window.__ran")
    context.close()
    assert refused and refused.startswith("script-src") and ran is None and seen, (refused, seen)
    api = urllib.request.urlopen(f"{worker}/api/v1/inspect?ref=127.0.0.1:5555/demo/busybox:oci")
    assert api.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in api.headers


def test_a_badge_shows_as_an_image(page):
    """What a README's `<img>` gets: the SVG badge, drawn (and allowed by the page's own CSP)."""
    page.goto("/")
    size = page.evaluate("""src => new Promise(resolve => {
        const img = new Image();
        img.onload = () => resolve([img.naturalWidth, img.naturalHeight]);
        img.onerror = () => resolve(null);
        img.src = src;
        document.body.appendChild(img);
    })""", "/badge/platforms.svg?ref=127.0.0.1:5555/demo/busybox:oci")
    assert size is not None and size[1] == 20 and size[0] > 100, size


def test_registries_with_cors_are_read_directly_others_through_the_proxy(page, counted_registry):
    sent = []
    page.on("request", lambda r: sent.append(r.url))
    # The demo registry sends CORS headers on its routes (but not on the 404 of a route it lacks,
    # the referrers API): only that endpoint goes through the proxy.
    open_view(page, "127.0.0.1:5555/demo/busybox:oci")
    rows(page)
    direct = [u for u in sent if u.startswith("http://127.0.0.1:5555/v2/")]
    proxied = [u for u in sent if "/proxy/127.0.0.1:5555/" in u]
    assert any("/manifests/" in u for u in direct) and any("/blobs/" in u for u in direct), sent
    assert proxied and all("/referrers/" in u for u in proxied), proxied
    # A registry without CORS headers is reached through the proxy for everything.
    sent.clear()
    open_view(page, f"{counted_registry.address}/demo/busybox:oci")
    rows(page)
    assert any(f"/proxy/{counted_registry.address}/v2/demo/busybox/manifests/" in u for u in sent), sent
    assert not any(u.startswith(f"http://{counted_registry.address}/v2/demo/busybox/manifests/sha256")
                   for u in sent), "a failed direct try is remembered, not repeated"


def test_content_verified_once_is_not_fetched_again_in_the_tab(page):
    sent = []
    page.on("request", lambda r: sent.append(r.url))
    open_view(page, "127.0.0.1:5555/demo/busybox:oci")
    first = rows(page)
    sent.clear()
    page.reload()
    again = rows(page)
    assert again == first
    by_digest = [u for u in sent if "/manifests/sha256:" in u or "/blobs/sha256:" in u]
    assert by_digest == [], by_digest
    # The tag is asked anew: it may have moved.
    assert any(u.endswith("/manifests/oci") for u in sent), sent


def test_a_view_opened_again_in_the_tab_costs_one_head(page):
    """The tab keeps the Reports it verified (the core's ReportCache, in memory): going back to a
    view sends the tag's HEAD and nothing else; the first visit of a repository sends no HEAD."""
    sent = []
    page.on("request", lambda r: sent.append((r.method, r.url)))
    open_view(page, "127.0.0.1:5555/demo/busybox:docker")
    first = rows(page)
    tag = "http://127.0.0.1:5555/v2/demo/busybox/manifests/docker"
    assert ("GET", tag) in sent and ("HEAD", tag) not in sent, "a first visit goes straight to the GET"
    page.click("#load-tags")
    page.click("#tags li a:text-is('oci')")
    wait_for(
        page,
        f"document.querySelector('#top-digest')?.innerText === '{EXPECTED['demo/busybox:oci']['digest']}'")
    sent.clear()
    page.go_back()
    wait_for(
        page,
        f"document.querySelector('#top-digest')?.innerText === '{EXPECTED['demo/busybox:docker']['digest']}'")
    assert rows(page) == first
    registry = [(method, url) for method, url in sent if "/v2/" in url and "/tags/list" not in url]
    assert registry == [("HEAD", tag)], registry


def test_a_tampered_blob_is_red(page, tamper_registry, tampered):
    open_view(page, f"{tamper_registry.address}/demo/busybox:oci")
    bad = [r for r in rows(page) if r[0] == tampered]
    assert len(bad) == 1 and bad[0][1] == "✘ digest-mismatch" and "bad" in bad[0][2]
    assert "digest-mismatch" in page.inner_text(".findings")


def test_the_downloaded_report_is_the_api_report(page, worker):
    reference = "127.0.0.1:5555/demo/busybox:oci"
    open_view(page, reference, platform="linux/arm64")
    rows(page)
    with page.expect_download() as download:
        page.click("#download")
    downloaded = json.loads(open(download.value.path()).read())
    api = json.loads(urllib.request.urlopen(
        f"{worker}/api/v1/inspect?" + urllib.parse.urlencode({"ref": reference, "platform": "linux/arm64"})).read())
    for doc in (downloaded, api):
        doc.pop("requests")
    # Only the edge keeps tag resolutions, and says how old its answer is.
    assert "tagResolution" not in downloaded and api.pop("tagResolution")["resolvedAt"] > 0
    assert downloaded == api


def test_markup_in_labels_and_annotations_is_text(page, counted_registry):
    address = counted_registry.address
    evil = '<img src=x onerror="window.__pwned=1">'
    config = json.dumps({
        "architecture": "amd64", "os": "linux",
        "config": {"Labels": {"evil": evil}, "Env": ["X=<script>window.__pwned=2</script>"]},
        "rootfs": {"type": "layers", "diff_ids": []},
    }).encode()
    config_digest = push_blob(address, "demo/evil", config)
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": len(config)},
        "layers": [],
        "annotations": {"org.opencontainers.image.description": evil},
    }).encode()
    push_manifest(address, "demo/evil", "latest", manifest, "application/vnd.oci.image.manifest.v1+json")
    open_view(page, f"{address}/demo/evil:latest")
    rows(page)
    page.click("#detail-0 > summary")
    assert evil in page.inner_text("#detail-0")
    assert page.evaluate("() => window.__pwned") is None
    assert page.query_selector("#details img") is None


def test_a_moved_tag_shows_the_drift_banner(page, counted_registry):
    address = counted_registry.address
    oci, oci_type = fetch_manifest("127.0.0.1:5555", "demo/busybox", "oci", INDEX)
    docker_type = "application/vnd.docker.distribution.manifest.list.v2+json"
    docker, _ = fetch_manifest("127.0.0.1:5555", "demo/busybox", "docker", docker_type)
    pinned = push_manifest(address, "demo/busybox", "moving", oci, oci_type)
    open_view(page, f"{address}/demo/busybox:moving")
    rows(page)
    assert page.inner_text("#top-digest") == pinned
    push_manifest(address, "demo/busybox", "moving", docker, docker_type)
    open_view(page, f"{address}/demo/busybox:moving", digest=pinned)
    page.wait_for_selector("#drift", timeout=30_000)
    banner = page.inner_text("#drift")
    assert "moved" in banner and pinned in banner
    assert "digest changed" in banner
    page.click("#drift a")
    wait_for(page, f"document.querySelector('#top-digest')?.innerText === '{pinned}'")


def test_tags_are_listed_as_links_to_their_views(page):
    open_view(page, "127.0.0.1:5555/demo/busybox:docker")
    rows(page)
    page.click("#load-tags")
    page.wait_for_selector("#tags li a")
    tags = page.eval_on_selector_all("#tags li a", "as => as.map(a => a.innerText)")
    assert {"oci", "docker", "amd64-oci", "amd64-docker"} <= set(tags)
    page.click("#tags li a:text-is('oci')")
    wait_for(
        page,
        f"document.querySelector('#top-digest')?.innerText === '{EXPECTED['demo/busybox:oci']['digest']}'")


def test_raw_json_is_the_exact_bytes_with_digests_linked(page):
    open_view(page, "127.0.0.1:5555/demo/busybox:oci")
    shown = rows(page)
    amd64 = shown[0][0]
    exact, _ = fetch_manifest("127.0.0.1:5555", "demo/busybox", amd64, "application/vnd.oci.image.manifest.v1+json")
    page.click("#detail-0 > summary")
    page.click("#detail-0 details.raw > summary")
    raw = page.inner_text(f"#raw-{amd64.replace(':', '-')} pre.exact")
    assert raw.encode() == exact
    config = json.loads(exact)["config"]["digest"]
    links = page.eval_on_selector_all(f"#raw-{amd64.replace(':', '-')} pre.pretty a", "as => as.map(a => a.innerText)")
    assert config in links
    # The referrers the registry lists (here through the tag fallback) are named.
    referrers = page.inner_text("#referrers")
    assert "tag-fallback" in referrers


def compare_rows(page):
    page.wait_for_selector("#compare-platforms", timeout=30_000)
    return page.eval_on_selector_all(
        "#compare-platforms tbody tr",
        "rs => rs.map(r => [r.dataset.platform, +r.dataset.sharedBytes, +r.dataset.downloadBytes])",
    )


def test_the_compare_view_is_the_api_diff(page, worker):
    a, b = "127.0.0.1:5555/demo/layers:base", "127.0.0.1:5555/demo/layers:extended"
    page.goto("/compare?" + urllib.parse.urlencode({"a": a, "b": b}))
    shown = compare_rows(page)
    with urllib.request.urlopen(f"{worker}/api/v1/compare?" + urllib.parse.urlencode({"a": a, "b": b})) as r:
        api = json.loads(r.read())
    assert shown == [[p["platform"], p["layers"]["sharedBytes"], p["layers"]["downloadBytes"]]
                     for p in api["platforms"]]
    bar = page.get_attribute(".share-bar", "aria-label")
    assert "already in a" in bar and "to download" in bar
    assert page.input_value("#ref-a") == a and page.input_value("#ref-b") == b
    # Platform sets: the OCI index against the Docker list of the same eight platforms, all kept.
    page.fill("#ref-a", "127.0.0.1:5555/demo/busybox:oci")
    page.fill("#ref-b", "127.0.0.1:5555/demo/attested:latest")
    page.click("form.compare-form button[type=submit]")
    wait_for(page, "document.querySelectorAll('#platform-changes .dropped').length === 7", timeout=30_000)
    assert page.inner_text("#platform-changes .dropped >> nth=0").startswith("− linux/")


def test_compare_is_linked_from_the_platform_table_and_the_tags(page):
    open_view(page, "127.0.0.1:5555/demo/busybox:oci")
    rows(page)
    page.click("#platforms tbody tr[data-arch=arm64] a.compare-link")
    shown = compare_rows(page)
    assert len(shown) == 1 and shown[0][0] == "linux/amd64 → linux/arm64/v8", shown
    page.go_back()
    rows(page)
    page.click("#load-tags")
    page.wait_for_selector("#tags a.compare-link")
    page.click("#tags li:has(a:text-is('docker')) a.compare-link")
    shown = compare_rows(page)
    assert len(shown) == 8, shown
    assert "demo/busybox:docker" in page.inner_text("#sides")


# An image's files: a hand-made image (Python's tarfile, gzip) whose second layer overwrites a
# file, deletes one (`.wh.`), makes a directory opaque (`.wh..wh..opq`) and adds a binary, as the
# OCI image spec's "Applying Changesets" describes — pushed to a real registry, read by the page's
# file worker.
OS_RELEASE = b"NAME=Fathom test, again\n"
TOOL = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0fathom"


def tar_gz(entries, compress=None):
    """A gzip'd tar layer of (name, bytes | None for a directory); returns (blob, diff_id).
    `compress`: another compressor of the tar's bytes than gzip."""
    import gzip
    import hashlib
    import io
    import tarfile

    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in entries:
            info = tarfile.TarInfo(name)
            info.mtime = 1_700_000_000
            if data is None:
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
            else:
                info.size, info.mode = len(data), 0o644
                tar.addfile(info, io.BytesIO(data))
    tar_bytes = raw.getvalue()
    blob = compress(tar_bytes) if compress else gzip.compress(tar_bytes, mtime=0)
    return blob, "sha256:" + hashlib.sha256(tar_bytes).hexdigest()


def push_files_image(address, repository, lie_about_layer=None, big=b""):
    """`big`: a file's bytes added to the first layer (incompressible bytes over 8 MiB make it a
    layer the edge's proxy streams rather than reads)."""
    layers = [
        tar_gz([("etc", None), ("etc/os-release", b"NAME=Fathom test\n"), ("etc/gone", b"g" * 500),
                ("opt", None), ("opt/a", b"a"), ("opt/b", b"b")] + ([("srv/big", big)] if big else [])),
        tar_gz([("etc", None), ("etc/os-release", OS_RELEASE), ("etc/.wh.gone", b""),
                ("opt", None), ("opt/.wh..wh..opq", b""), ("opt/c", b"c"), ("bin", None), ("bin/tool", TOOL)]),
    ]
    diff_ids = [diff_id for _, diff_id in layers]
    if lie_about_layer is not None:
        diff_ids[lie_about_layer] = "sha256:" + "0" * 64
    return push_image(address, repository, "files", [blob for blob, _ in layers], diff_ids)


def push_image(address, repository, tag, blobs, diff_ids, layer_type="application/vnd.oci.image.layer.v1.tar+gzip"):
    """Pushes a linux/amd64 OCI image of the layer `blobs` (of `layer_type`) whose config names
    `diff_ids`; returns its reference."""
    config = json.dumps({"architecture": "amd64", "os": "linux",
                         "rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode()
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": push_blob(address, repository, config), "size": len(config)},
        "layers": [{"mediaType": layer_type, "digest": push_blob(address, repository, blob), "size": len(blob)}
                   for blob in blobs],
    }).encode()
    push_manifest(address, repository, tag, manifest, "application/vnd.oci.image.manifest.v1+json")
    return f"{address}/{repository}:{tag}"


def entries(page):
    """(name, change, layer) of each entry listed."""
    page.wait_for_selector("#entries tbody tr", timeout=30_000)
    return page.eval_on_selector_all(
        "#entries tbody tr", "rs => rs.map(r => [r.cells[0].innerText, r.cells[5].innerText, r.cells[4].innerText])")


def wait_for_file(page, text):
    wait_for(page, f"document.querySelector('#file-content')?.textContent === {json.dumps(text)}")


def test_an_images_files_stream_through_a_worker_verified_and_browsable(page):
    reference = push_files_image("127.0.0.1:5555", "test-web/files")
    open_view(page, reference)
    page.wait_for_selector("#browse-files")
    loaded = page.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
    assert not [u for u in loaded if "fathom-files" in u], "the file worker loads only when asked for"
    page.click("#browse-files")
    page.wait_for_selector("#layers tbody tr")
    checks = page.eval_on_selector_all("#layers tbody tr", "rs => rs.map(r => r.cells[8].innerText)")
    assert checks == ["✔ digest, diff_id"] * 2
    assert page.query_selector("#files-unverified") is None
    # Wasted: the first os-release, etc/gone, opt/a and opt/b; shown: the rest.
    wasted, shown = len(b"NAME=Fathom test\n") + 500 + 1 + 1, len(OS_RELEASE) + 1 + len(TOOL)
    assert page.inner_text("#waste").startswith(f"Wasted: {wasted} B of {wasted + shown} B"), page.inner_text("#waste")
    assert entries(page) == [["bin/", "added", "1"], ["etc/", "modified", "1"], ["opt/", "modified", "1"]]
    page.click("#entries a:text-is('etc/')")
    wait_for(page, "document.querySelector('#crumbs')?.innerText === '/etc/'")
    assert entries(page) == [["os-release", "modified", "1"]], "the whiteout deleted etc/gone"
    page.click("#entries a:text-is('os-release')")
    wait_for_file(page, OS_RELEASE.decode())
    assert "files=%2Fetc%2Fos-release" in page.url
    # The link reopens the same file, read again and verified again in a fresh page.
    page.reload()
    wait_for_file(page, OS_RELEASE.decode())
    assert "✔ its layer verified again" in page.inner_text("#file")
    # One layer's archive: what it did to the layers below.
    page.click("#views a:text-is('layer 1')")
    wait_for(page, "location.search.includes('layer=1')")
    wait_for(page, "[...document.querySelectorAll('#entries td')].some(td => td.innerText === 'gone')")
    assert sorted(entries(page)) == [["gone", "deleted", "1"], ["os-release", "modified", "1"]]
    page.click("#crumbs a:text-is('/')")
    wait_for(page, "document.querySelector('#crumbs')?.innerText === '/'")
    page.click("#entries a:text-is('opt/')")
    wait_for(page, "document.querySelector('#crumbs')?.innerText === '/opt/'")
    listed = entries(page)
    assert ["c", "added", "1"] in listed and any(e[1] == "deleted" and "opq" in e[0] for e in listed), listed
    page.click("#views a:text-is('merged')")
    wait_for(page, "!location.search.includes('layer=')")
    assert entries(page) == [["c", "added", "1"]], "the opaque directory hides opt/a and opt/b"
    # A binary is shown as a hex dump.
    page.goto(page.url.split("&files=")[0] + "&files=%2Fbin%2Ftool")
    wait_for(page, "document.querySelector('#file-content')?.textContent.startsWith('00000000  7f 45 4c 46')")
    page.click("#close-files")
    page.wait_for_selector("#browse-files")


def test_a_layer_whose_diff_id_lies_is_red_in_the_files(page, counted_registry):
    # A registry without CORS headers: the worker streams the layers through the edge's proxy,
    # the first one (over 8 MiB) relayed by the edge as it arrives.
    import os

    reference = push_files_image(counted_registry.address, "test-web/lies", lie_about_layer=1,
                                 big=os.urandom(9 << 20))
    open_view(page, reference)
    page.click("#browse-files")
    page.wait_for_selector("#files-unverified")
    assert "layer-diff-id" in page.inner_text("#files-unverified") or "uncompressed" in page.inner_text(
        "#files-unverified"), page.inner_text("#files-unverified")
    classes = page.eval_on_selector_all("#layers tbody tr", "rs => rs.map(r => r.className)")
    assert classes == ["", "bad"], "the streamed layer verified, the lying one loud"
    layer_gets = [r for r in counted_registry.requests() if r.startswith("GET /v2/test-web/lies/blobs/")]
    assert len(layer_gets) >= 3, "the config and both layers, read through the proxy"


def browse_layers(page, reference):
    """Opens `reference`'s files and waits until every layer has been read; returns each layer's
    check as the table shows it."""
    open_view(page, reference)
    page.click("#browse-files")
    page.wait_for_selector("#layers tbody tr")
    wait_for(page, "document.querySelector('#file-progress') === null", timeout=120_000)
    return page.eval_on_selector_all("#layers tbody tr", "rs => rs.map(r => r.cells[8].innerText)")


def test_zstd_layers_read_in_the_page_as_their_gzip_twins(page):
    # demo/debian's rootfs and its whiteout layer, recompressed by Debian's zstd: the file worker
    # decodes them with libzstd built for wasm, and must see what it sees in the gzip twins.
    seen = {}
    for tag in ("gzip", "zstd"):
        checks = browse_layers(page, f"127.0.0.1:5555/demo/debian:{tag}")
        assert checks == ["✔ digest, diff_id"] * 2, (tag, checks)
        root = entries(page)
        page.goto(page.url.split("&files=")[0] + "&files=%2Fetc%2Ffathom-packages")
        wait_for(page, "document.querySelector('#file-content')?.textContent.length > 0")
        seen[tag] = (root, page.inner_text("#waste"), page.text_content("#file-content"))
    assert len(seen["zstd"][0]) > 5, seen["zstd"][0]
    assert seen["zstd"] == seen["gzip"]


def test_a_corrupt_zstd_layer_is_red_in_the_files(page):
    # A zstd frame with one byte changed mid-stream (the blob's digest is of the changed bytes, so
    # only decoding can tell): libzstd in the file worker says so, and the layer is red.
    import subprocess

    def broken_zstd(tar_bytes):
        blob = bytearray(subprocess.run(["zstd", "-q", "-c"], input=tar_bytes, capture_output=True,
                                        check=True).stdout)
        blob[len(blob) // 2] ^= 0x40
        return bytes(blob)

    lines = b"".join(b"fathom line %d\n" % i for i in range(20_000))
    blob, diff_id = tar_gz([("srv", None), ("srv/lines", lines)], compress=broken_zstd)
    reference = push_image("127.0.0.1:5555", "test-web/broken-zstd", "broken", [blob], [diff_id],
                           layer_type="application/vnd.oci.image.layer.v1.tar+zstd")
    browse_layers(page, reference)
    page.wait_for_selector("#files-unverified")
    assert "zstd stream is corrupt" in page.inner_text("#files-unverified"), page.inner_text("#files-unverified")
    assert page.eval_on_selector_all("#layers tbody tr", "rs => rs.map(r => r.className)") == ["bad"]


def test_a_layer_whose_bytes_are_not_its_digest_is_red_in_the_files(page, tamper_registry):
    # One byte of the bottom layer's gzip header changed on the registry's disk (its MTIME: the
    # tar inside, and so the diff_id, is the same): only the blob's digest can tell.
    reference = push_files_image(tamper_registry.address, "test-web/tampered-layer")
    manifest, _ = fetch_manifest(tamper_registry.address, "test-web/tampered-layer", "files",
                                 "application/vnd.oci.image.manifest.v1+json")
    bottom = json.loads(manifest)["layers"][0]["digest"]
    path = tamper_registry.blob_path(bottom)
    data = bytearray(path.read_bytes())
    data[4] ^= 0x01
    path.write_bytes(bytes(data))
    checks = browse_layers(page, reference)
    page.wait_for_selector("#files-unverified")
    assert "digest mismatch" in page.inner_text("#files-unverified"), page.inner_text("#files-unverified")
    assert page.eval_on_selector_all("#layers tbody tr", "rs => rs.map(r => r.className)") == ["bad", ""]
    assert checks[1] == "✔ digest, diff_id", checks


def test_a_stalled_layer_shows_its_progress_and_cancels(page, fault_proxy):
    open_view(page, f"{fault_proxy}/fault-stall-layers/demo/busybox:oci", platform="linux/amd64")
    page.click("#browse-files")
    # The blobs answered their HEADs; the layer's GET stalls after half its bytes.
    wait_for(page, "document.querySelector('#file-progress')?.innerText.includes('layer 1 of 1')")
    page.click("#cancel-files")
    page.wait_for_selector("#files-cancelled")
    assert page.query_selector("#file-progress") is None
    page.click("#read-files-again")
    page.wait_for_selector("#cancel-files")
