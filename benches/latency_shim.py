#!/usr/bin/env python3
"""Latency shim for benchmarks: a TCP relay on 127.0.0.1:LISTEN to 127.0.0.1:TARGET that delays
every chunk by DELAY_MS in each direction (so the round trip grows by 2 x DELAY_MS), keeping order
and letting data in flight overlap, as a long link does. Loopback only."""
import asyncio, sys, time

listen, target, delay = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]) / 1000.0

async def pump(reader, writer):
    queue = asyncio.Queue()

    async def sender():
        while True:
            due, data = await queue.get()
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            if data is None:
                try:
                    writer.write_eof()
                except OSError:
                    pass
                return
            writer.write(data)
            try:
                await writer.drain()
            except OSError:
                return

    task = asyncio.ensure_future(sender())
    try:
        while True:
            data = await reader.read(65536)
            queue.put_nowait((time.monotonic() + delay, data if data else None))
            if not data:
                break
    except OSError:
        queue.put_nowait((time.monotonic() + delay, None))
    await task

async def handle(cr, cw):
    try:
        ur, uw = await asyncio.open_connection("127.0.0.1", target)
    except OSError:
        cw.close()
        return
    await asyncio.gather(pump(cr, uw), pump(ur, cw), return_exceptions=True)
    for w in (cw, uw):
        w.close()

async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", listen)
    async with server:
        await server.serve_forever()

asyncio.run(main())
