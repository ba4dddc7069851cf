// Minifies the web app's JS glue in a Trunk dist directory with terser, and stamps the new bytes'
// subresource-integrity hash into index.html. Trunk's own minifier cannot parse wasm-bindgen's
// `export default` (index.html opts out with `data-no-minify`), so the glue is minified here,
// after Trunk, and its integrity recomputed: the browser refuses a preload whose hash differs.
//   node scripts/lib/minify-glue.mjs DIST
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { minify } from "terser";

const dist = process.argv[2];
const indexPath = join(dist, "index.html");
let index = readFileSync(indexPath, "utf8");
const glue = index.match(/href=\/?([\w-]+\.js) integrity=(sha384-[\w+/=]+)/);
if (!glue) throw new Error(`${indexPath}: no JS glue with an integrity hash`);
const [, file, oldIntegrity] = glue;
const path = join(dist, file);
const source = readFileSync(path, "utf8");
const result = await minify(source, { module: true, compress: true, mangle: true });
writeFileSync(path, result.code);
const integrity = "sha384-" + createHash("sha384").update(result.code).digest("base64");
index = index.replace(oldIntegrity, integrity);
writeFileSync(indexPath, index);
console.log(`${file}: ${source.length} → ${result.code.length} bytes`);
