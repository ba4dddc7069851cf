// Writes the web app's security headers into DIST/_headers, which the Workers static-assets
// binding applies to every file it serves (https://developers.cloudflare.com/workers/static-assets/headers/;
// wrangler dev's assets worker reads it too). The Content-Security-Policy allows exactly what the
// app does: its own script and the inline module Trunk writes (by its sha256, computed here since
// it names the build's hashed files), wasm compilation ('wasm-unsafe-eval', not 'unsafe-eval'),
// its own styles, data: images (the favicon), and fetches to its own origin (the API, the proxy)
// and to registries that let a page read them directly (any https origin; loopback over http for
// a registry on the user's own machine — by name or IPv4: CSP has no syntax for an IPv6 literal).
//   node scripts/lib/security-headers.mjs DIST
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const dist = process.argv[2];
const index = readFileSync(join(dist, "index.html"), "utf8");
const inline = [...index.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)].map(
  ([, body]) => `'sha256-${createHash("sha256").update(body).digest("base64")}'`,
);
if (inline.length === 0) throw new Error(`${dist}/index.html: no inline script found to allow`);
const policy = [
  "default-src 'none'",
  `script-src 'self' 'wasm-unsafe-eval' ${inline.join(" ")}`,
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self' https: http://127.0.0.1:* http://localhost:*",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");
const headers = `/*
  Content-Security-Policy: ${policy}
  X-Content-Type-Options: nosniff
  Referrer-Policy: no-referrer
  X-Frame-Options: DENY
`;
writeFileSync(join(dist, "_headers"), headers);
console.log(`_headers: ${inline.length} inline script(s) allowed by hash`);
