// Names the file worker in DIST: Trunk builds it (`data-type="worker"`) as fathom-files.js,
// fathom-files_bg.wasm and the loader fathom-files_loader.js, without the content hash the page's
// own files carry, and (rightly) leaves it out of the page. Here its files get a hash of their
// bytes in their names (so a host may cache them for good, and a new build is never mixed with
// an old one), and index.html names the loader (`<meta name="fathom-files-worker">`), which the
// page starts only when a user opens an image's files.
//   node scripts/lib/name-worker.mjs DIST
import { createHash } from "node:crypto";
import { readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const dist = process.argv[2];
const read = (name) => readFileSync(join(dist, name));
const hash = createHash("sha256").update(read("fathom-files.js")).update(read("fathom-files_bg.wasm"))
  .digest("hex").slice(0, 16);
const base = `fathom-files-${hash}`;
renameSync(join(dist, "fathom-files.js"), join(dist, `${base}.js`));
renameSync(join(dist, "fathom-files_bg.wasm"), join(dist, `${base}_bg.wasm`));
const loader = `importScripts("./${base}.js");wasm_bindgen("./${base}_bg.wasm");`;
const shim = read("fathom-files_loader.js").toString();
if (!shim.includes('importScripts("./fathom-files.js")')) throw new Error(`unexpected loader shim: ${shim}`);
writeFileSync(join(dist, `${base}_loader.js`), loader);
unlinkSync(join(dist, "fathom-files_loader.js"));
const indexPath = join(dist, "index.html");
const index = readFileSync(indexPath, "utf8");
if (!index.includes("</head>")) throw new Error(`${indexPath}: no </head>`);
writeFileSync(indexPath, index.replace("</head>", `<meta name="fathom-files-worker" content="/${base}_loader.js"></head>`));
console.log(`file worker: ${base}`);
