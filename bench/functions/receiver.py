"""Webhook receiver of the end-to-end benchmark: a single-threaded asyncio HTTP/1.1 server on
127.0.0.1 (port 0) that verifies each notify webhook's HMAC-SHA256 signature, answers 204 and
records, for each order.placed event, the time from the event's `time` (set in the placement
transaction, just before its commit) to the webhook's arrival.

  receiver.py SECRET PORT_FILE RESULT_FILE
Writes its port to PORT_FILE; on SIGTERM writes {"count", "dupes", "bad", "p50_ms", "p99_ms", "max_ms"} to
RESULT_FILE (only events that arrived after the first `/start` request are counted)."""

import asyncio
import datetime
import hashlib
import hmac
import json
import signal
import sys
import time

SECRET, PORT_FILE, RESULT_FILE = sys.argv[1].encode(), sys.argv[2], sys.argv[3]
latencies, ids, state = [], set(), {"dupes": 0, "bad": 0, "counting": False}


def event_ms(t):
    return datetime.datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp() * 1000.0


async def handle(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            arrived = time.time() * 1000.0
            lines = head.decode("latin-1").split("\r\n")
            path = lines[0].split(" ")[1]
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    k, v = line.split(":", 1)
                    headers[k.strip().lower()] = v.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            if path == "/count":
                out = str(len(ids)).encode()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(out), out))
                await writer.drain()
                continue
            if path == "/start":
                state["counting"] = True
            elif state["counting"]:
                ts = headers.get("hotpath-timestamp", "")
                want = "sha256=" + hmac.new(SECRET, ts.encode() + b"." + body, hashlib.sha256).hexdigest()
                if not hmac.compare_digest(want, headers.get("hotpath-signature", "")):
                    state["bad"] += 1
                else:
                    did = headers.get("hotpath-delivery-id", "")
                    if did in ids:
                        state["dupes"] += 1
                    else:
                        ids.add(did)
                        ev = json.loads(body)
                        if ev.get("type") == "order.placed":
                            latencies.append(arrived - event_ms(ev["time"]))
            writer.write(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


def pct(sorted_values, q):
    if not sorted_values:
        return None
    return sorted_values[min(len(sorted_values) - 1, max(0, int(round(q * len(sorted_values))) - 1))]


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
    with open(PORT_FILE, "w") as f:
        f.write(str(server.sockets[0].getsockname()[1]))
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    v = sorted(latencies)
    with open(RESULT_FILE, "w") as f:
        json.dump({"count": len(v), "dupes": state["dupes"], "bad": state["bad"], "p50_ms": pct(v, 0.5),
                   "p99_ms": pct(v, 0.99), "max_ms": v[-1] if v else None}, f)


asyncio.run(main())
