#!/usr/bin/env python3
"""Scrape an exporter as Prometheus would: N scrapes of /probe?target=URL (cycling through the
URLs), C at a time, each with X-Prometheus-Scrape-Timeout-Seconds. Prints one line:
    scrapes errors successes p50_ms p99_ms max_ms peak_rss_kib
errors are answers other than 200; successes are pages with `probe_success 1`; the peak RSS is
the exporter's (VmHWM of PID).
    python3 benches/scrape_load.py HOST:PORT PID SCRAPES CONCURRENCY EXTRA_QUERY URL...
"""
import http.client
import sys
import threading
import time
import urllib.parse


def main():
    addr, pid, total, conc, extra = sys.argv[1:6]
    urls = sys.argv[6:]
    total, conc = int(total), int(conc)
    host, port = addr.rsplit(":", 1)
    lat, errors, successes = [], [0], [0]
    lock = threading.Lock()
    nxt = [0]

    def worker():
        while True:
            with lock:
                i = nxt[0]
                if i >= total:
                    return
                nxt[0] += 1
            path = "/probe?target=" + urllib.parse.quote(urls[i % len(urls)], safe="") + extra
            t = time.monotonic()
            try:
                c = http.client.HTTPConnection(host, int(port), timeout=30)
                c.request("GET", path, headers={"X-Prometheus-Scrape-Timeout-Seconds": "10"})
                r = c.getresponse()
                body = r.read().decode("utf-8", "replace")
                c.close()
                ok, good = r.status == 200, "\nprobe_success 1" in "\n" + body
            except OSError:
                ok, good = False, False
            ms = (time.monotonic() - t) * 1000
            with lock:
                lat.append(ms)
                errors[0] += 0 if ok else 1
                successes[0] += 1 if good else 0

    threads = [threading.Thread(target=worker) for _ in range(conc)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    lat.sort()
    pct = lambda p: lat[min(len(lat) - 1, int(round(p / 100 * (len(lat) - 1))))]
    rss = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                rss = int(line.split()[1])
    print(f"{len(lat)} {errors[0]} {successes[0]} {pct(50):.1f} {pct(99):.1f} {lat[-1]:.1f} {rss}")


main()
