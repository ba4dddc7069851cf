#!/usr/bin/env python3
"""A TCP proxy on 127.0.0.1 that delays every chunk by DELAY ms in each direction (so a request
and its response cost one extra 2×DELAY round trip), for benchmarks against a local registry.

    latency_proxy.py LISTEN_PORT TARGET_PORT [DELAY_MS=25] [LIFETIME_S=600]

Listens on 127.0.0.1 only, forwards to 127.0.0.1:TARGET_PORT, and exits by itself after
LIFETIME_S seconds.
"""
import asyncio
import sys


async def pipe(reader, writer, delay):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
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


async def main():
    listen, target = int(sys.argv[1]), int(sys.argv[2])
    delay = (float(sys.argv[3]) if len(sys.argv) > 3 else 25.0) / 1000
    lifetime = float(sys.argv[4]) if len(sys.argv) > 4 else 600.0

    async def handle(client_reader, client_writer):
        await asyncio.sleep(delay)  # the SYN/SYN-ACK half of a connection's first round trip
        try:
            server_reader, server_writer = await asyncio.open_connection("127.0.0.1", target)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(
            pipe(client_reader, server_writer, delay),
            pipe(server_reader, client_writer, delay),
        )

    server = await asyncio.start_server(handle, "127.0.0.1", listen)
    async with server:
        await asyncio.sleep(lifetime)


if __name__ == "__main__":
    asyncio.run(main())
