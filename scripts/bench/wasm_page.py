"""Runs one of web/bench's timing pages in Debian's headless Chromium: serves DIRECTORY (the page,
the wasm module web/bench builds, and the files the page reads) on 127.0.0.1, opens PAGE and
returns what the page measured (its `window.results`)."""
import functools
import http.server
import threading

from playwright.sync_api import sync_playwright

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class Quiet(http.server.SimpleHTTPRequestHandler):
    """Serves the directory with wasm's media type, logging nothing."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".wasm": "application/wasm",
                      ".js": "text/javascript"}

    def log_message(self, *args):
        pass


def measure(directory, page_path, timeout_ms=120_000):
    """The page's `window.results`, once its title is no longer `running`."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=directory))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
            page = browser.new_page()
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"http://127.0.0.1:{server.server_port}/{page_path}")
            page.wait_for_function("document.title !== 'running' || window.results", timeout=timeout_ms)
            results = page.evaluate("window.results")
            assert results, errors
            browser.close()
            return results
    finally:
        server.shutdown()
