"""Load on `asl serve`: concurrent clients against a local server, and memory over many requests (issue 15).

Usage: python benchmarks/load_serve.py --model MODEL --photos DIR --out JSON
       [--clients 4] [--seconds 60] [--workers 1,2] [--leak-requests 10000]

For each worker count: a real `asl serve` process (tree), ``--clients`` clients posting real photos
(round robin over the folder's first 20) as fast as it answers for ``--seconds``: requests/s, median
and p99 latency, errors (anything but 200). Then, with one worker, the server's memory (RSS of the
process tree) after 100 requests and after ``--leak-requests``: a leak shows as growth.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree_rss_mib(pid: int) -> float:
    """Resident memory of a process and all its descendants, MiB (from /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
        todo += children.get(p, [])
    return total / 1024


class Server:
    def __init__(self, model: Path, workers: int):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([sys.executable, "-m", "asl", "serve", "--model", str(model), "--port",
                                      str(self.port), "--workers", str(workers)], cwd=ROOT,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 300
        while True:
            try:
                urllib.request.urlopen(self.url + "/health", timeout=2)
                # with several workers, each must have loaded its models: wait until requests spread
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the server did not start: {self.proc.stderr.read()[-2000:]}")
                time.sleep(0.3)

    def post(self, data: bytes) -> tuple[int, float]:
        request = urllib.request.Request(self.url + "/predict", data=data, headers={"Content-Type": "image/jpeg"},
                                         method="POST")
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                response.read()
                status = response.status
        except urllib.error.HTTPError as e:
            status = e.code
        except OSError:
            status = 0
        return status, time.perf_counter() - started

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=60)


def load(server: Server, photos: list[bytes], clients: int, seconds: float) -> dict:
    deadline = time.monotonic() + seconds
    for data in photos[:clients]:  # warm every worker's first-image cost out of the measurement
        server.post(data)

    def client(k: int) -> list[tuple[int, float]]:
        out, i = [], k
        while time.monotonic() < deadline:
            out.append(server.post(photos[i % len(photos)]))
            i += clients
        return out

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = [r for part in pool.map(client, range(clients)) for r in part]
    wall = time.perf_counter() - started
    latencies = sorted(t for _, t in results)
    return {"requests": len(results), "seconds": round(wall, 1), "requests_per_second": round(len(results) / wall, 2),
            "median_ms": round(1000 * statistics.median(latencies), 1),
            "p99_ms": round(1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))], 1),
            "errors": sum(status != 200 for status, _ in results)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--photos", type=Path, required=True)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--leak-requests", type=int, default=10_000)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    photos = [p.read_bytes() for p in sorted(args.photos.rglob("*.jpg"))[:20]]
    out = {"clients": args.clients, "seconds": args.seconds, "photos": len(photos), "load": {}}
    for workers in (int(w) for w in args.workers.split(",")):
        server = Server(args.model, workers)
        try:
            out["load"][str(workers)] = load(server, photos, args.clients, args.seconds)
            print(f"{workers} worker(s): {out['load'][str(workers)]}", flush=True)
        finally:
            server.stop()
    server = Server(args.model, 1)
    try:
        memory = {}
        for i in range(1, args.leak_requests + 1):
            status, _ = server.post(photos[i % len(photos)])
            if status != 200:
                raise SystemExit(f"request {i} answered {status}")
            if i in (100, 1000, args.leak_requests):
                memory[str(i)] = round(tree_rss_mib(server.proc.pid), 1)
                print(f"after {i} requests: {memory[str(i)]} MiB", flush=True)
        out["memory_mib_after"] = memory
    finally:
        server.stop()
    args.out.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
