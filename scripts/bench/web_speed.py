"""Times the web app in headless Chromium: submit → the full platform table for a reference,
read from the page's own performance marks (`fathom-submit`, `fathom-table`). Cold runs use a
fresh browser context each (empty HTTP cache); warm runs repeat in one context.

    web_speed.py BASE_URL REFERENCE RUNS
Prints one line per kind: `cold <median ms> <min ms>` and `warm <median ms> <min ms>`.
"""
import statistics
import sys

from playwright.sync_api import sync_playwright

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def submit_to_table(page, reference):
    page.goto("/")
    page.wait_for_selector("#ref")
    page.evaluate("() => performance.clearMarks()")
    page.fill("#ref", reference)
    page.select_option("#platform", "linux/amd64")
    page.click("button[type=submit]")
    page.wait_for_function("performance.getEntriesByName('fathom-table').length > 0", timeout=60_000)
    rows = page.eval_on_selector_all("#platforms tbody tr:not([hidden])", "rs => rs.length")
    assert rows >= 8, rows
    return page.evaluate("() => performance.measure('m', 'fathom-submit', 'fathom-table').duration")


def main():
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
        warm = [submit_to_table(page, reference) for _ in range(runs)]
        browser.close()
    for name, values in (("cold", cold), ("warm", warm)):
        print(f"{name} {statistics.median(values):.0f} {min(values):.0f}")


if __name__ == "__main__":
    main()
