#!/usr/bin/env python3
"""Test-only HTTP proxy on 127.0.0.1 that injects registry faults in front of a real registry.

    fault_proxy.py LISTEN_PORT TARGET_PORT [LIFETIME_S=300]

The fault is chosen by the first path component after /v2/: a request for
/v2/fault-<mode>/<name>/... is forwarded as /v2/<name>/... with the fault applied:

  429        the first request of each path gets 429 + Retry-After: 1 and quota headers, then passes
  429-long   always 429 + Retry-After: 3600
  503        the first two requests of each path get 503, then pass
  500        always 500 with an OCI error body
  stall      headers and half the body, then nothing (the client must time out)
  stall-layers  like stall, only for GETs of blobs over 64 KiB (layers; manifests and configs pass)
  reset      the connection is closed without a response
  big        manifests come back as 5 MiB bodies
  quota      passes, adding Docker Hub-style ratelimit headers
  bigblob    blobs come back declaring 20 GiB (Content-Length), then a few bytes and the close
  redirect-same      302 to the same path without the fault (a redirect that must be followed)
  redirect-metadata  302 to the cloud metadata address 169.254.169.254
  redirect-loopback  302 to [::ffff:127.0.0.1]:6379 (loopback, IPv4-mapped IPv6)
  redirect-offlist   302 to a host on no allowlist

Everything else (the /v2/ ping, unknown modes) passes through. Exits by itself after LIFETIME_S.
"""
import http.client
import http.server
import sys
import threading
import time
from collections import Counter

TARGET = ("127.0.0.1", int(sys.argv[2]))
SEEN = Counter()
LOCK = threading.Lock()
QUOTA = {"ratelimit-limit": "100;w=21600", "ratelimit-remaining": "42;w=21600", "docker-ratelimit-source": "192.0.2.7"}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_HEAD(self):
        self.handle_request()

    def do_GET(self):
        self.handle_request()

    def handle_request(self):
        mode, path = "", self.path
        parts = self.path.split("/", 3)  # ['', 'v2', 'fault-x', 'rest']
        if len(parts) == 4 and parts[2].startswith("fault-"):
            mode, path = parts[2][len("fault-"):], "/v2/" + parts[3]
        with LOCK:
            SEEN[(mode, path)] += 1
            count = SEEN[(mode, path)]
        if mode == "reset":
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if mode == "429-long" or (mode == "429" and count == 1):
            return self.reply(429, b'{"errors":[{"code":"TOOMANYREQUESTS","message":"too many requests"}]}',
                              {"Retry-After": "3600" if mode == "429-long" else "1", **QUOTA})
        redirects = {
            "redirect-same": path,
            "redirect-metadata": "http://169.254.169.254/latest/meta-data/iam/",
            "redirect-loopback": "http://[::ffff:127.0.0.1]:6379/v2/",
            "redirect-offlist": "https://evil.example/v2/",
        }
        if mode in redirects:
            return self.reply(302, b"", {"Location": redirects[mode]})
        if mode == "503" and count <= 2:
            return self.reply(503, b"service unavailable", {})
        if mode == "500":
            return self.reply(500, b'{"errors":[{"code":"UNKNOWN","message":"internal error"}]}', {})
        status, headers, body = self.forward(path)
        if mode == "big" and "/manifests/" in path and status == 200:
            body = b"{" + b" " * (5 << 20) + b"}"
        if mode == "bigblob" and "/blobs/" in path and status == 200:
            self.send_response(200)
            self.send_header("Content-Length", str(20 << 30))
            self.end_headers()
            self.wfile.write(b"\0" * 4096)
            self.close_connection = True
            return
        if mode == "quota":
            headers.update(QUOTA)
        stalls = mode == "stall" or (
            mode == "stall-layers" and self.command == "GET" and "/blobs/" in path and len(body) > 64 << 10)
        if stalls:
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            time.sleep(60)
            return
        self.reply(status, body, headers)

    def forward(self, path):
        connection = http.client.HTTPConnection(*TARGET, timeout=10)
        headers = {k: v for k, v in self.headers.items() if k.lower() in ("accept", "authorization")}
        connection.request(self.command, path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        keep = ("content-type", "docker-content-digest", "www-authenticate", "link", "docker-distribution-api-version")
        headers = {k: v for k, v in response.getheaders() if k.lower() in keep}
        connection.close()
        return response.status, headers, body

    def reply(self, status, body, headers):
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    server.daemon_threads = True
    threading.Timer(float(sys.argv[3]) if len(sys.argv) > 3 else 300.0, server.shutdown).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
