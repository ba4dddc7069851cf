"""Times the web app in headless Chromium: submit → the full platform table for a reference,
read from the page's own performance marks (`fathom-submit`, `fathom-table`). Three kinds:
  cold    a fresh browser context each run (empty HTTP cache, nothing remembered): a first visit;
  reload  one context, the page loaded anew each run (HTTP cache and remembered proxy routes warm,
          the page's own memory empty);
  again   one page: back to the start page by its own link, then the reference submitted again
          (content the page already verified is answered from its memory; tags are asked anew).

    web_speed.py BASE_URL REFERENCE RUNS
    web_speed.py BASE_URL --compare A B RUNS    (the compare view: submit → its table, cold
                                                 and reload as above)
Prints one line per kind: `<kind> <median ms> <min ms>`.
"""
import statistics
import sys
import time

from playwright.sync_api import sync_playwright

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def wait_for_mark(page, mark, timeout=60):
    """Waits for the page's performance mark. Playwright's `wait_for_function` evaluates its
    predicate with `eval` in the page, which the page's Content-Security-Policy refuses;
    `page.evaluate` goes through the DevTools protocol instead."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(f"performance.getEntriesByName('{mark}').length > 0"):
        assert time.monotonic() < deadline, f"no {mark} mark within {timeout} s"
        page.wait_for_timeout(5)


def submit_to_table(page, reference, reload=True):
    if reload:
        page.goto("/")
    else:
        page.click("header h1 a")
        page.wait_for_selector("#platforms", state="detached")
    page.wait_for_selector("#ref")
    page.evaluate("() => performance.clearMarks()")
    page.fill("#ref", reference)
    page.select_option("#platform", "linux/amd64")
    page.click("button[type=submit]")
    wait_for_mark(page, "fathom-table")
    rows = page.eval_on_selector_all("#platforms tbody tr:not([hidden])", "rs => rs.length")
    assert rows >= 8, rows
    return page.evaluate("() => performance.measure('m', 'fathom-submit', 'fathom-table').duration")


def compare_to_table(page, a, b):
    page.goto("/compare")
    page.wait_for_selector("#ref-a")
    page.evaluate("() => performance.clearMarks()")
    page.fill("#ref-a", a)
    page.fill("#ref-b", b)
    page.click("form.compare-form button[type=submit]")
    wait_for_mark(page, "fathom-compare")
    return page.evaluate("() => performance.measure('c', 'fathom-compare-submit', 'fathom-compare').duration")


def compare_main(base, a, b, runs):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        cold = []
        for _ in range(runs):
            context = browser.new_context(base_url=base)
            cold.append(compare_to_table(context.new_page(), a, b))
            context.close()
        page = browser.new_context(base_url=base).new_page()
        compare_to_table(page, a, b)
        reload = [compare_to_table(page, a, b) for _ in range(runs)]
        browser.close()
    for name, values in (("cold", cold), ("reload", reload)):
        print(f"{name} {statistics.median(values):.0f} {min(values):.0f}")


def main():
    if sys.argv[2] == "--compare":
        return compare_main(sys.argv[1], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    base, reference, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        cold = []
        for _ in range(runs):
            context = browser.new_context(base_url=base)
            cold.append(submit_to_table(context.new_page(), reference))
            context.close()
        context = browser.new_context(base_url=base)
        page = context.new_page()
        submit_to_table(page, reference)
        reload = [submit_to_table(page, reference) for _ in range(runs)]
        again = [submit_to_table(page, reference, reload=False) for _ in range(runs)]
        browser.close()
    for name, values in (("cold", cold), ("reload", reload), ("again", again)):
        print(f"{name} {statistics.median(values):.0f} {min(values):.0f}")


if __name__ == "__main__":
    main()
