"""The web app in real headless Chromium, served by the worker (production settings) inside the
zoo: each public registry's name pasted, the table filled and every row verified in the page.
None of these registries lets a browser read it directly (no `Access-Control-Allow-Origin`), so
the page goes through the worker's proxy, as it would on the internet."""

import urllib.parse

import pytest

import registries
from registries import name_of
from processes import chromium

FRONTS = {kind.key: kind for kind in registries.FRONTS if kind.anonymous_pull}


@pytest.fixture(scope="module")
def browser():
    yield from chromium()


@pytest.mark.parametrize("key", sorted(FRONTS))
def test_each_registry_in_the_page(browser, worker, zoo, key):
    kind = FRONTS[key]
    zoo.clear()
    context = browser.new_context(base_url=worker)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto("/?" + urllib.parse.urlencode({"ref": kind.example}))
        page.wait_for_selector("#platforms tbody tr", timeout=60_000)
        verified = page.eval_on_selector_all("#platforms tbody tr:not([hidden])", "rs => rs.map(r => r.cells[9].innerText)")
        assert len(verified) >= 2 and all(v.startswith("✔") for v in verified), verified
    finally:
        context.close()
    assert not errors, errors
    # The proxy followed the blob redirects itself and never took credentials along.
    stores = {host for store in registries.STORES for host in store.hosts}
    assert [e for e in zoo.log() if e["host"] in stores and e["authorization"]] == []


@pytest.mark.parametrize("key", sorted(k for k, kind in FRONTS.items() if kind.private_example))
def test_a_private_repository_says_so_in_the_page(browser, worker, key):
    context = browser.new_context(base_url=worker)
    page = context.new_page()
    try:
        page.goto("/?" + urllib.parse.urlencode({"ref": FRONTS[key].private_example}))
        page.wait_for_selector(".error", timeout=60_000)
        message = page.inner_text(".error")
    finally:
        context.close()
    assert "private or does not exist" in message and f"{name_of(FRONTS[key])}: to log in, run `" in message, message
