"""Benchmark (not a test): warm answer latency of two source trees of this project, in one run.

    python bench/bench_warm.py OLD_TREE [NEW_TREE] [--rounds 5] [--gold eval/gold.jsonl]

Used when code moves (issue 15's rooms) to show the move costs nothing: each tree answers the same gold
questions in its own worker process (its own index folder, built first if needed), and the workers take
turns round by round, so drift on a shared machine hits both alike. NEW_TREE defaults to this checkout.
Prints p50/p95 per tree and the ratio new/old, in wall and CPU time.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def worker(gold: Path) -> None:
    """Load the assistant of the tree on sys.path once, then answer every question each time a line arrives."""
    try:
        from qa.answering.pipeline import Assistant
    except ImportError:  # a tree from before the rooms
        from qa.pipeline import Assistant
    from qa.config import load_settings

    questions = [json.loads(line)["question"] for line in gold.read_text(encoding="utf-8").splitlines() if line.strip()]
    assistant = Assistant(load_settings())
    for q in questions[:5]:
        assistant.ask(q)
    print("ready", flush=True)
    for _ in sys.stdin:
        wall, cpu = [], []
        for q in questions:
            started, cpu_started = time.perf_counter(), time.process_time()
            assistant.ask(q)
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
        print(json.dumps({"wall": wall, "cpu": cpu}), flush=True)


def start(tree: Path, gold: Path, index_dir: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(tree), "QA_INDEX_DIR": str(index_dir), "PYTHONHASHSEED": "0",
           "QA_CORPUS_DIR": str(tree / "corpus")}
    proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--worker", "--gold", str(gold)],
                            cwd=tree, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline().strip()
    if line != "ready":
        raise SystemExit(f"error: the worker for {tree} did not start (said {line!r})")
    return proc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", nargs="*", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--gold", type=Path, default=HERE / "eval" / "gold.jsonl")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.gold)
    trees = [t.resolve() for t in args.trees] + ([HERE] if len(args.trees) == 1 else [])
    if len(trees) != 2 or not all((t / "qa").is_dir() for t in trees):
        raise SystemExit("error: give an old tree (and optionally a new one), each a checkout with qa/")
    with tempfile.TemporaryDirectory(prefix="bench-warm-") as scratch:
        procs = [start(t, args.gold, Path(scratch) / f"index-{n}") for n, t in enumerate(trees)]
        results = [{"wall": [], "cpu": []} for _ in trees]
        for _ in range(args.rounds):
            for proc, result in zip(procs, results):
                proc.stdin.write("go\n")
                proc.stdin.flush()
                got = json.loads(proc.stdout.readline())
                result["wall"] += got["wall"]
                result["cpu"] += got["cpu"]
        for proc in procs:
            proc.stdin.close()
            proc.wait()
    print(f"{len(results[0]['wall'])} answers per tree ({args.rounds} rounds of {args.gold.name}), load average "
          f"{os.getloadavg()[0]:.1f}")
    p50 = []
    for tree, result in zip(trees, results):
        wall, cpu = result["wall"], result["cpu"]
        p50.append((statistics.median(wall), statistics.median(cpu)))
        print(f"  {tree}: warm p50 {p50[-1][0]:.2f} ms (CPU {p50[-1][1]:.2f} ms), p95 {percentile(wall, 0.95):.2f} ms")
    print(f"new/old p50: wall {p50[1][0] / p50[0][0]:.3f}, CPU {p50[1][1] / p50[0][1]:.3f}")


if __name__ == "__main__":
    main()
