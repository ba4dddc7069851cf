"""Times the core's signature and SBOM checks as wasm in headless Chromium (web/bench's
index.html) and prints what the page measured, one line each: `<what> <best ms>`.

    signature_speed.py DIRECTORY FILE_DIGEST
"""
import sys

from wasm_page import measure


def main():
    directory, file_digest = sys.argv[1], sys.argv[2]
    results = measure(directory, f"index.html?file={file_digest}")
    print(f"bundle {results['bundle']:.3f}")
    print(f"root {results['rootRead']:.3f}")
    print(f"sbom {results['sbom']:.3f} {results['packages']} {results['sbomBytes']}")


if __name__ == "__main__":
    main()
