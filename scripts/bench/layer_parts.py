"""Where the file worker's time goes, as wasm in headless Chromium (web/bench's layers.html): the
core's layer reader over each bench layer fed from memory, and sha256 alone over its bytes.
Prints one line per layer: `<kind> <compressed bytes> <tar bytes> <hash seconds> <read seconds>`.

    layer_parts.py DIRECTORY
"""
import sys

from wasm_page import measure


def main():
    results = measure(sys.argv[1], "layers.html", timeout_ms=600_000)
    for kind, r in results.items():
        print(f"{kind} {r['compressed']} {r['tar']} {r['hash']:.3f} {r['read']:.3f}")


if __name__ == "__main__":
    main()
