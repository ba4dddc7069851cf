#!/usr/bin/env python3
"""A TCP proxy on 127.0.0.1 that delays every chunk by DELAY ms in each direction (so a request
and its response cost one extra 2×DELAY round trip), for benchmarks against a local registry.

    latency_proxy.py LISTEN_PORT TARGET_PORT [DELAY_MS=25] [LIFETIME_S=600] [STATS_FILE]

Listens on 127.0.0.1 only, forwards to 127.0.0.1:TARGET_PORT, and exits by itself after
LIFETIME_S seconds. With STATS_FILE, it keeps there (rewritten every 0.2 s) what went through:
HTTP requests by method — counted from the request lines of the client's stream, which carries
no request bodies here (registry reads: GET and HEAD) — connections, and bytes each way; and in
STATS_FILE.log a line per request: Unix time, method, path.
"""
import asyncio
import json
import os
import re
import sys
import time

REQUEST_LINE = re.compile(rb"(?:^|\r\n)(GET|HEAD|POST|PUT|PATCH|DELETE) ([^ \r\n]+) HTTP/1\.[01]\r\n")
STATS = {"requests": {}, "connections": 0, "bytes_to_registry": 0, "bytes_from_registry": 0}
LOG = []


def count_requests(carry: bytes, data: bytes) -> bytes:
    """Counts the request lines in `data` (a request line split between reads is found once,
    with the tail of the previous read); returns the tail to carry to the next read."""
    stream = carry + data
    end = 0
    for match in REQUEST_LINE.finditer(stream):
        if match.end() > len(carry):  # not counted with the previous read
            method = match.group(1).decode()
            STATS["requests"][method] = STATS["requests"].get(method, 0) + 1
            LOG.append(f"{time.time():.3f} {method} {match.group(2).decode(errors='replace')}\n")
        end = match.end()
    return stream[max(end, len(stream) - 2048):]


async def pipe(reader, writer, delay, to_registry):
    carry = b""
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            if to_registry:
                STATS["bytes_to_registry"] += len(data)
                carry = count_requests(carry, data)
            else:
                STATS["bytes_from_registry"] += len(data)
            await asyncio.sleep(delay)
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass


async def keep_stats(path):
    while True:
        if LOG:
            with open(path + ".log", "a") as log:
                log.writelines(LOG)
            LOG.clear()
        with open(path + ".tmp", "w") as out:
            json.dump(STATS, out)
        os.replace(path + ".tmp", path)
        await asyncio.sleep(0.2)


async def main():
    listen, target = int(sys.argv[1]), int(sys.argv[2])
    delay = (float(sys.argv[3]) if len(sys.argv) > 3 else 25.0) / 1000
    lifetime = float(sys.argv[4]) if len(sys.argv) > 4 else 600.0
    stats_file = sys.argv[5] if len(sys.argv) > 5 else None

    async def handle(client_reader, client_writer):
        STATS["connections"] += 1
        await asyncio.sleep(delay)  # the SYN/SYN-ACK half of a connection's first round trip
        try:
            server_reader, server_writer = await asyncio.open_connection("127.0.0.1", target)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(
            pipe(client_reader, server_writer, delay, True),
            pipe(server_reader, client_writer, delay, False),
        )

    server = await asyncio.start_server(handle, "127.0.0.1", listen)
    if stats_file:
        asyncio.get_running_loop().create_task(keep_stats(stats_file))
    async with server:
        await asyncio.sleep(lifetime)


if __name__ == "__main__":
    asyncio.run(main())
