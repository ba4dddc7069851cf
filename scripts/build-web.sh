#!/usr/bin/env bash
# Builds the web app offline into web/dist/ with Trunk (release: opt-level z, LTO, wasm-opt -Oz;
# the page's wasm split into a first-load shell and chunks fetched when needed, by wasm-split-cli
# after Trunk; the JS glue minified by terser; the security headers written to web/dist/_headers),
# using the pinned wasm-bindgen and npm's wasm-opt 132. The file worker (a second wasm, loaded
# only when a user opens an image's files) is built beside it and named in index.html. Skipped when nothing it is built from
# changed (a fingerprint in web/dist/.fingerprint). Prints what a first load transfers.
#   scripts/build-web.sh [--cargo-only]
#     --cargo-only  only the cargo build Trunk would run (so that it can run before Trunk is
#                   installed; Trunk then finds it done)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$FATHOM_ROOT"
cargo_only=0
for arg in "$@"; do
  case $arg in
    --cargo-only) cargo_only=1 ;;
    *) die "unknown argument $arg" ;;
  esac
done

dist=web/dist
stamp=$(fingerprint "trunk $TRUNK_VERSION" "wasm-bindgen $WASM_BINDGEN_VERSION" "wasm-split $WASM_SPLIT_VERSION" \
  -- Cargo.toml Cargo.lock Trunk.toml crates/fathom-core/Cargo.toml crates/fathom-core/src web/Cargo.toml web/build.rs web/src web/browser web/files \
  web/index.html web/style.css package-lock.json scripts/build-web.sh scripts/lib/minify-glue.mjs scripts/lib/security-headers.mjs \
  scripts/lib/name-worker.mjs scripts/lib/name-chunks.mjs)
if [[ -f $dist/index.html && $(cat "$dist/.fingerprint" 2>/dev/null) == "$stamp" ]]; then
  ((cargo_only)) || say "web app: up to date ($dist)"
  exit 0
fi

# The very cargo commands Trunk runs (web/index.html names the profiles). `erase_components`:
# Leptos type-erases each component's view (one render path per output type, not one per
# closure), which took 29.4 KB gzip (6.6 %) off the page's first load.
RUSTFLAGS="$(wasm_rustflags) --cfg erase_components"
export RUSTFLAGS # Trunk runs the same cargo builds again, and must find them done
cargo build --target=wasm32-unknown-unknown --manifest-path web/Cargo.toml --profile web-release --locked --quiet --bin fathom-web
cargo build --target=wasm32-unknown-unknown --manifest-path web/files/Cargo.toml --profile files-release --locked --quiet
((cargo_only == 0)) || exit 0
require trunk "trunk $TRUNK_VERSION"
require wasm-bindgen "wasm-bindgen-cli $WASM_BINDGEN_VERSION"
has_wasm_split || die "wasm-split-cli (wasm_split_cli_support $WASM_SPLIT_VERSION) is not installed: run scripts/setup.sh"
[[ -x node_modules/.bin/wasm-opt ]] || die "binaryen's wasm-opt is not installed: run scripts/setup.sh"
export PATH="$FATHOM_ROOT/node_modules/.bin:$PATH" TRUNK_OFFLINE=true NO_COLOR=true
log="$FATHOM_ROOT/target/logs/trunk.log"
mkdir -p "$(dirname "$log")"
trunk build --release --locked --config Trunk.toml >"$log" 2>&1 || { tail -n 30 "$log" >&2; die "trunk build failed (log: $log)"; }
# The page's split points (web/src/chunks.rs) become chunks here, from cargo's wasm (the
# relocations wasm-bindgen drops are in it): the shell's bindings replace what Trunk made of the
# unsplit wasm (index.html's `data-wasm-opt="0"` spares Trunk optimising that), and every part is
# optimised as Trunk would have (-Oz).
stem=$(basename "$(ls "$dist"/fathom-web-*_bg.wasm)" _bg.wasm)
split=$WEB_SPLIT_DIR
rm -rf "$split" && mkdir -p "$split/bindgen"
wasm-split-cli --target web --out-name "$stem" "${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/web-release/fathom-web.wasm" "$split" >>"$log" 2>&1 ||
  die "splitting the page's wasm failed (log: $log)"
wasm-bindgen --target web --keep-lld-exports --no-typescript --out-name "$stem" --out-dir "$split/bindgen" "$split/$stem.wasm" >>"$log" 2>&1 ||
  die "wasm-bindgen on the split page failed (log: $log)"
cp "$split/bindgen/$stem.js" "$split/bindgen/${stem}_bg.wasm" "$split"/__wasm_split.js "$dist/"
cp "$split"/split_*.wasm "$split"/chunk_*.wasm "$dist/" 2>/dev/null || true
for wasm in "$dist/${stem}_bg.wasm" "$dist"/split_*.wasm "$dist"/chunk_*.wasm; do
  [[ -f $wasm ]] || continue
  wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
    --enable-reference-types "$wasm" -o "$wasm" >>"$log" 2>&1 || die "wasm-opt on $(basename "$wasm") failed (log: $log)"
done
node scripts/lib/name-chunks.mjs "$dist" "$stem" >"$split/parts.txt" || die "naming the page's chunks failed"
for point in walk report compare archive; do # web/src/chunks.rs's split points
  grep -q "^$point " "$split/parts.txt" || die "the split made no chunk for '$point' ($split/parts.txt)"
done
node scripts/lib/minify-glue.mjs "$dist" >>"$log" || die "minifying the JS glue failed (log: $log)"
node scripts/lib/name-worker.mjs "$dist" >>"$log" || die "naming the file worker failed (log: $log)"
node scripts/lib/security-headers.mjs "$dist" >>"$log" || die "writing the security headers failed (log: $log)"
echo "$stamp" >"$dist/.fingerprint"
read -r total inspect chunks < <(web_sizes)
worker=$(cat "$dist"/fathom-files-*_bg.wasm | gzip -9c | wc -c)
say "web app: built, first load $total bytes gzip (with a first inspect's chunks $inspect; all chunks $chunks); file worker $worker bytes gzip ($(ls "$dist" | wc -l) files)"
