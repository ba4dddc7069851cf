// The worker's JavaScript entry: instantiates the Rust module (wasm-bindgen, `--target web`)
// synchronously from the compiled WebAssembly.Module that workerd hands us, then delegates.
import wasmModule from "./build/index_bg.wasm";
import { initSync, fetch as handle } from "./build/index.js";

initSync({ module: wasmModule });

export default {
  fetch(request, env, ctx) {
    return handle(request, env, ctx);
  },
};
