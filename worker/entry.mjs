// The worker's JavaScript entry: instantiates the Rust module (wasm-bindgen, `--target web`)
// synchronously from the compiled WebAssembly.Module that workerd hands us, then delegates.
import { DurableObject } from "cloudflare:workers";
import wasmModule from "./build/index_bg.wasm";
import { initSync, fetch as handle, Coalescer as RustCoalescer } from "./build/index.js";

initSync({ module: wasmModule });

export default {
  fetch(request, env, ctx) {
    return handle(request, env, ctx);
  },
};

// The Durable Object of worker/src/coalesce.rs, as workerd wants it declared: a class that
// extends DurableObject, delegating to the Rust one.
export class Coalescer extends DurableObject {
  constructor(state, env) {
    super(state, env);
    this.inner = new RustCoalescer(state, env);
  }

  fetch(request) {
    return this.inner.fetch(request);
  }
}
