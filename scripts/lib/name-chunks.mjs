// Names the page's wasm chunks in a Trunk dist directory after scripts/build-web.sh split the
// page (wasm-split-cli): each chunk, and the loader that fetches them (`__wasm_split.js`, which
// the glue imports), gets a hash of its bytes in its name — so a host may cache them for good,
// and a page of one build never fetches a chunk of another (their functions would not link). The
// loader is minified (terser), and index.html's integrity hash of the split main wasm renewed.
// Prints, for each split point, the files its first call fetches: `<split> <file>…`.
//   node scripts/lib/name-chunks.mjs DIST STEM     (STEM: the page's glue, without `.js`)
import { createHash } from "node:crypto";
import { readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { minify } from "terser";

const [dist, stem] = process.argv.slice(2);
const path = (name) => join(dist, name);
const shortHash = (bytes) => createHash("sha256").update(bytes).digest("hex").slice(0, 16);

let loader = readFileSync(path("__wasm_split.js"), "utf8");
// What each split point loads, read statement by statement (the shared chunks are defined before
// the first): `export const __wasm_split_load_<split> = wrapAsyncCb(makeLoad(<a fetch of
// "./split_<split>.wasm", or none for an empty module>, [__chunk_N, …]));`.
const parts = loader.split("export const __wasm_split_load_").slice(1).map((statement) => {
  const split = statement.match(/^(\w+) =/)?.[1];
  const deps = statement.match(/\[([\w, ]*)\]\)\);/)?.[1];
  if (!split || deps === undefined) throw new Error(`unexpected split point in the loader: ${statement.slice(0, 200)}`);
  const own = statement.match(/"\.\/(\w+)\.wasm"/)?.[1];
  return [split, [...(own ? [own] : []), ...deps.split(",").map((d) => d.trim().replace(/^__/, "")).filter(Boolean)]];
});
if (parts.length === 0) throw new Error(`${dist}/__wasm_split.js has no split point`);
const chunks = [...new Set([...loader.matchAll(/new URL\("\.\/([\w]+)\.wasm"/g)].map(([, name]) => name))];
if (chunks.length === 0) throw new Error(`${dist}/__wasm_split.js fetches no chunk`);
const names = {};
for (const chunk of chunks) {
  names[chunk] = `${chunk}-${shortHash(readFileSync(path(`${chunk}.wasm`)))}.wasm`;
  renameSync(path(`${chunk}.wasm`), path(names[chunk]));
  loader = loader.replaceAll(`"./${chunk}.wasm"`, `"./${names[chunk]}"`);
}
loader = (await minify(loader, { module: true, compress: true, mangle: true })).code;
const loaderName = `${stem}-split-${shortHash(loader)}.js`;
writeFileSync(path(loaderName), loader);
unlinkSync(path("__wasm_split.js"));

const gluePath = path(`${stem}.js`);
const glue = readFileSync(gluePath, "utf8");
// Only the JS imports: the wasm's own imports keep the module name the splitter gave them.
if (!glue.includes('from "./__wasm_split.js"')) throw new Error(`${gluePath} does not import the chunk loader`);
writeFileSync(gluePath, glue.replaceAll('from "./__wasm_split.js"', `from "./${loaderName}"`));

const indexPath = path("index.html");
const index = readFileSync(indexPath, "utf8");
const wasm = `${stem}_bg.wasm`;
const preload = index.match(new RegExp(`href=/?${wasm} integrity=(sha384-[\\w+/=]+)`));
if (!preload) throw new Error(`${indexPath}: no preload of ${wasm} with an integrity hash`);
const integrity = "sha384-" + createHash("sha384").update(readFileSync(path(wasm))).digest("base64");
writeFileSync(indexPath, index.replace(preload[1], integrity));
for (const [split, files] of parts) console.log(`${split} ${files.map((f) => names[f]).join(" ")}`);
