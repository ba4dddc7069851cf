#!/usr/bin/env python3
"""The registry zoo -- TEST-ONLY: every big public registry under its real hostname, inside a
private network namespace (scripts/zoo.sh makes it and runs this there).

    zoo.py hosts                 the hosts file: each emulated hostname on its own 127.0.1.x
    zoo.py pki DIR               the test CA and the leaf naming every hostname (pki.py)
    zoo.py layout DEMO ZOO       the backend storage: demo images under the names users paste
    zoo.py serve STATE BACKEND   the HTTPS fronts, the object stores and the control port

The control port (http://127.0.0.1:5999, inside the namespace only) is how tests see and steer
the zoo: `GET /log` (every request: host, method, path, the Authorization scheme sent),
`POST /log/clear`, `POST /exhaust?registry=KEY` and `POST /restore?registry=KEY` (a registry's
pull limit run dry, and back), `GET /url?store=HOST&digest=D&name=REPO` (a store's signed URL,
as its registry redirects to it).
"""

import json
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, str(Path(__file__).parent))

import front  # noqa: E402
import layout  # noqa: E402
import pki  # noqa: E402
import registries  # noqa: E402

CONTROL = ("127.0.0.1", 5999)


def addresses() -> dict[str, str]:
    """Each hostname the zoo answers for, and its own loopback address."""
    names = []
    for kind in registries.FRONTS + registries.STORES:
        names += [h for h in kind.hosts + getattr(kind, "token_hosts", ()) if h not in names]
    return {name: f"127.0.1.{n}" for n, name in enumerate(names, start=1)}


def control(zoo: front.Zoo) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format, *args):
            pass

        def answer(self, value) -> None:
            body = json.dumps(value).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            parts = urlsplit(self.path)
            if parts.path == "/url":
                # A signed URL of a store, as its registry would redirect to it.
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                store = next(kind for kind in registries.STORES if query["store"] in kind.hosts)
                self.answer({"url": store(zoo).url(query["digest"], query.get("name", ""))})
                return
            with zoo.lock:
                self.answer(list(zoo.log) if parts.path == "/log" else {"ok": True})

        def do_POST(self):
            parts = urlsplit(self.path)
            key = parse_qs(parts.query).get("registry", [""])[0]
            with zoo.lock:
                if parts.path == "/log/clear":
                    zoo.log.clear()
                elif parts.path == "/exhaust":
                    zoo.exhausted.add(key)
                elif parts.path == "/restore":
                    zoo.exhausted.discard(key)
            self.answer({"ok": True})

    server = ThreadingHTTPServer(CONTROL, Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def serve(state: Path, backend: str) -> None:
    zoo = front.Zoo(backend, state / "storage")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(state / "pki/leaf.pem", state / "pki/leaf.key")
    context.set_alpn_protocols(["http/1.1"])
    where = addresses()
    listeners: dict[tuple[str, int], dict] = {}
    for kind in registries.FRONTS + registries.STORES:
        target = kind(zoo)
        for host in kind.hosts + getattr(kind, "token_hosts", ()):
            listeners.setdefault((where[host], getattr(kind, "port", 443)), {})[host] = target
    for (address, port), handlers in listeners.items():
        front.serve(zoo, handlers, address, port, context)
    control(zoo)
    print(f"zoo: {len(listeners)} listeners ready", flush=True)
    threading.Event().wait()


def main(argv: list[str]) -> None:
    command = argv[1] if len(argv) > 1 else ""
    if command == "hosts":
        for name, address in addresses().items():
            print(f"{address}\t{name}")
    elif command == "pki":
        directory = Path(argv[2])
        directory.mkdir(parents=True, exist_ok=True)
        pki.make(directory, list(addresses()))
    elif command == "layout":
        repositories = [(f"{kind.key}/{r.name}", r.tags) for kind in registries.FRONTS for r in kind.repositories]
        layout.build(Path(argv[2]), Path(argv[3]), repositories)
    elif command == "serve":
        serve(Path(argv[2]), argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
