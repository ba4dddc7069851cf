"""Times the core's signature and SBOM checks as wasm in headless Chromium: serves DIRECTORY
(web/bench's page, its module, and the documents it reads) on 127.0.0.1, opens it in Debian's
Chromium and prints what the page measured, one line each: `<what> <best ms>`.

    signature_speed.py DIRECTORY FILE_DIGEST
"""
import functools
import http.server
import sys
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


def main():
    directory, file_digest = sys.argv[1], sys.argv[2]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=directory))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
            page = browser.new_page()
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"http://127.0.0.1:{server.server_port}/index.html?file={file_digest}")
            page.wait_for_function("document.title !== 'running' || window.results", timeout=120_000)
            results = page.evaluate("window.results")
            assert results, errors
            browser.close()
    finally:
        server.shutdown()
    print(f"bundle {results['bundle']:.3f}")
    print(f"root {results['rootRead']:.3f}")
    print(f"sbom {results['sbom']:.3f} {results['packages']} {results['sbomBytes']}")


if __name__ == "__main__":
    main()
