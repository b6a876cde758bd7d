"""Benchmark of retention_graph_export.dump on a heap of about one million objects.

Builds a web-service-like heap (request objects with headers dicts, bodies, lists, strings, ints,
tuples and exception tracebacks), then dumps it once and prints one JSON line:
objects (nodes written), seconds, objects_per_s, cpu_seconds, objects_per_cpu_s (CPU time of this
process: closer to the figure on an idle machine), load_average_1min, heap_bytes (sum of self sizes), rss_heap_bytes
(resident memory the heap took to build), peak_extra_bytes (ru_maxrss growth during the dump)
and the ratio peak_extra / heap. Usage: python3 bench_export.py [--objects N] [--keep FILE] [--trace]
"""
import argparse
import gc
import json
import os
import resource
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import retention_graph_export  # noqa: E402


def rss_bytes():
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def maxrss_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class Request:
    def __init__(self, i):
        self.method = "POST" if i % 3 else "GET"
        self.path = "/items/%d" % i
        self.headers = {"Host": "example.test", "X-Request-Id": "req-%08d" % i, "Content-Length": i * 7}
        self.body = b"x" * (i % 50)
        self.params = [i, i * 2, ("page", i % 10)]
        self.started = 1700000000.5 + i
        self._task = None


def build(target):
    """About `target` objects: each request contributes ~10 (instance, dict, 3 strs, 2 ints, bytes,
    list, tuple, float ...); every 50th request also keeps an exception with its traceback."""
    keep = []
    i = 0
    while len(keep) * 10 < target:
        r = Request(i)
        if i % 50 == 0:
            try:
                raise KeyError(r.path)
            except KeyError as e:
                r.error = e
        keep.append(r)
        i += 1
    return keep


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--objects", type=int, default=1_000_000)
    ap.add_argument("--keep", help="keep the snapshot at this path")
    ap.add_argument("--trace", action="store_true", help="run with tracemalloc tracing (1 frame)")
    ns = ap.parse_args()
    if ns.trace:
        import tracemalloc
        tracemalloc.start(1)
    gc.collect()
    rss0 = rss_bytes()
    heap = build(ns.objects)
    gc.collect()
    rss1 = rss_bytes()
    out = ns.keep or os.path.join(tempfile.mkdtemp(prefix="rg-bench-"), "bench.heapsnapshot")
    base = max(maxrss_bytes(), rss_bytes())
    t0 = time.perf_counter()
    c0 = time.process_time()
    summary = retention_graph_export.dump(out, trace=ns.trace)
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - c0
    peak_extra = max(0, maxrss_bytes() - base)
    result = {
        "objects": summary["nodes"],
        "edges": summary["edges"],
        "seconds": round(seconds, 3),
        "objects_per_s": int(summary["nodes"] / seconds),
        "cpu_seconds": round(cpu, 3),
        "objects_per_cpu_s": int(summary["nodes"] / cpu),
        "load_average_1min": os.getloadavg()[0],
        "heap_bytes": summary["heap_bytes"],
        "rss_heap_bytes": rss1 - rss0,
        "peak_extra_bytes": peak_extra,
        "peak_extra_over_heap": round(peak_extra / max(1, rss1 - rss0), 3),
        "file_bytes": summary["bytes"],
        "python": sys.version.split()[0],
        "tracing": ns.trace,
    }
    if not ns.keep:
        os.remove(out)
        os.rmdir(os.path.dirname(out))
    print(json.dumps(result))
    del heap


if __name__ == "__main__":
    main()
