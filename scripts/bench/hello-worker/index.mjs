// The ceiling for scripts/bench-edge.sh: a Worker that answers "hello" and does nothing else,
// on the same wrangler/workerd as Fathom's worker.
export default {
  fetch() {
    return new Response("hello\n", { headers: { "content-type": "text/plain" } });
  },
};
