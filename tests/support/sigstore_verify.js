// Sigstore's JavaScript verifier (@sigstore/verify, as sigstore-js and npm's provenance checks
// use it), offline: verifies BUNDLE over FILE against TRUSTED_ROOT, for IDENTITY and ISSUER, with
// one transparency-log entry and one embedded SCT required (its defaults). Prints OK, or FAIL and
// why; exits 0 or 1 accordingly. An oracle for tests/e2e/test_sigstore_oracle.py.
//
//   node sigstore_verify.js BUNDLE FILE TRUSTED_ROOT IDENTITY ISSUER

const fs = require('fs');
const { Verifier, toSignedEntity, toTrustMaterial } = require('@sigstore/verify');
const { bundleFromJSON } = require('@sigstore/bundle');
const { TrustedRoot } = require('@sigstore/protobuf-specs');

const [bundlePath, filePath, rootPath, identity, issuer] = process.argv.slice(2);
try {
  const root = TrustedRoot.fromJSON(JSON.parse(fs.readFileSync(rootPath, 'utf8')));
  const verifier = new Verifier(toTrustMaterial(root), { tlogThreshold: 1, ctlogThreshold: 1 });
  const bundle = bundleFromJSON(JSON.parse(fs.readFileSync(bundlePath, 'utf8')));
  const entity = toSignedEntity(bundle, fs.readFileSync(filePath));
  verifier.verify(entity, { subjectAlternativeName: identity, extensions: { issuer } });
  console.log('OK');
} catch (error) {
  console.log(`FAIL ${error.code || error.name}: ${error.message}`);
  process.exit(1);
}
