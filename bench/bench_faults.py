"""Hostile-load script (not a test): what a normal question costs while hostile requests run, and whether
the server's memory stays flat over thousands of requests (issue 13, defects 4 and 5).

    python bench/bench_faults.py [--hostile 30] [--normal 60] [--requests 5000] [--url http://127.0.0.1:PORT/]

Without --url it starts `qa serve` in its own process on a free loopback port (shipped corpus).

1. Latency: one session asks --normal gold questions one after another, first alone, then while --hostile
   sessions keep sending hostile `/ask` requests: 2 000-character questions of dense tokens (the costliest
   text per character for the encoder), 1 MB questions, filters like "1-99999999999" and "²", and
   non-text payloads. Prints the normal question's p50/p95 both ways (target: p95 < 1 s under attack).
2. Memory: --requests `/ask` requests from 4 sessions (normal questions, rejected 1 MB and 200 KB
   questions, bad filters, unanswerable questions), the server's RSS sampled every 500; prints first/last/max and the
   ratio last/first after warm-up (target: within 10 %).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from local_server import start_server  # noqa: E402  (bench/ is on the path when a script runs)

from qa.config import PROJECT_ROOT  # noqa: E402

P95_TARGET_MS = 1000.0
RSS_TOLERANCE = 0.10


def client(url: str):
    from gradio_client import Client

    return Client(url, verbose=False, ssl_verify=False)


def hostile_payloads(seed: int) -> list[tuple]:
    """The probe's hostile requests: (question, lang, articles, chapters)."""
    rng = random.Random(seed)
    soup = "".join(rng.choice("qzxjvkwy日本語€¥§¶ЖЩЇҐ0123456789!?") for _ in range(2000))
    return [
        (soup, "", "", ""),
        ("".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(2000)), "", "", ""),
        ("x" * 1_000_000, "", "", ""),
        ("What is illegal access?", "", "1-99999999999", ""),
        ("What is illegal access?", "", "²", ""),
        ("What is illegal access?", "", "", "V"),
    ]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)] if ordered else float("nan")


def normal_latencies(c, questions: list[str]) -> list[float]:
    out = []
    for q in questions:
        started = time.perf_counter()
        result = c.predict(q, api_name="/ask")
        out.append((time.perf_counter() - started) * 1000)
        if "error" in result:
            raise SystemExit(f"a normal question failed: {q}: {result['error']}")
    return out


def attack(url: str, hostile: int) -> None:
    """Run in its own process (`--attack URL`): `hostile` sessions sending hostile requests until killed,
    so the load generator's own Python threads do not slow the normal session's measurement."""
    lock = threading.Lock()
    counts = {"sent": 0, "refused": 0}

    def one(i: int) -> None:
        c = client(url)
        payloads = hostile_payloads(i)
        n = 0
        while True:
            question, lang, articles, chapters = payloads[n % len(payloads)]
            n += 1
            try:
                result = c.predict(question, lang, articles, chapters, api_name="/ask")
                refused = "error" in result
            except Exception:  # noqa: BLE001 - the server refusing a payload outright (413) also counts
                refused = True
            with lock:
                counts["sent"] += 1
                counts["refused"] += refused
                if counts["sent"] % 50 == 0:
                    print(json.dumps(counts), flush=True)

    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(hostile)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def latency_under_attack(url: str, gold: list[str], hostile: int, normal: int) -> None:
    questions = gold[:normal]
    lone = client(url)
    lone.predict("What is a computer system?", api_name="/ask")
    alone = normal_latencies(lone, questions)
    log = tempfile.TemporaryFile()
    attacker = subprocess.Popen([sys.executable, __file__, "--attack", url, "--hostile", str(hostile)],
                                stdout=log, stderr=subprocess.DEVNULL)
    try:
        time.sleep(10)  # let the attack reach full strength
        attacked = normal_latencies(lone, questions)
    finally:
        attacker.terminate()
        attacker.wait(timeout=30)
    log.seek(0)
    lines = log.read().decode().splitlines()
    counts = json.loads(lines[-1]) if lines else {"sent": 0, "refused": 0}
    p95_alone, p95_attacked = percentile(alone, 0.95), percentile(attacked, 0.95)
    print(f"normal question alone: p50 {statistics.median(alone):.0f} ms, p95 {p95_alone:.0f} ms ({len(alone)} questions)")
    print(f"normal question with {hostile} hostile sessions: p50 {statistics.median(attacked):.0f} ms, "
          f"p95 {p95_attacked:.0f} ms (target p95 < {P95_TARGET_MS:.0f} ms, ratio {p95_attacked / P95_TARGET_MS:.2f}); "
          f"hostile requests sent ≥ {counts['sent']}, refused with an error {counts['refused']}")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def memory_over_requests(url: str, pid: int, gold: list[str], total: int) -> None:
    mixes = [(q, "", "", "") for q in gold] + [
        ("x" * 1_000_000, "", "", ""), ("y" * 200_000, "", "", ""),  # refused by size: 413, or by Gradio's handler
        ("What is illegal access?", "", "1-99999999999", ""),
        ("What is the capital of France?", "", "", ""), ("п. 100 ст. 16", "", "", ""),
        ("Що таке незаконний доступ?", "", "2-13", "II"),
    ]
    sessions = 4
    clients = [client(url) for _ in range(sessions)]
    samples: list[tuple[int, float]] = [(0, rss_mb(pid))]
    done = 0
    lock = threading.Lock()

    def run(i: int) -> None:
        nonlocal done
        rng = random.Random(i)
        while True:
            with lock:
                if done >= total:
                    return
                done += 1
                n = done
            question, lang, articles, chapters = rng.choice(mixes)
            try:
                clients[i].predict(question, lang, articles, chapters, api_name="/ask")
            except Exception:  # noqa: BLE001 - a 413 for the 1 MB question is a refusal too
                pass
            if n % 500 == 0:
                with lock:
                    samples.append((n, rss_mb(pid)))
                    print(f"  {n} requests: RSS {samples[-1][1]:.0f} MB", flush=True)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=sessions) as pool:
        list(pool.map(run, range(sessions)))
    wall = time.perf_counter() - started
    time.sleep(5)
    samples.append((total, rss_mb(pid)))
    warm = next((rss for n, rss in samples if n >= 500), samples[0][1])
    last = samples[-1][1]
    print(f"RSS over {total} requests ({wall:.0f} s): " + ", ".join(f"{n}: {rss:.0f} MB" for n, rss in samples))
    print(f"RSS after warm-up (500 requests) {warm:.0f} MB, at the end (5 s idle) {last:.0f} MB, max "
          f"{max(r for _, r in samples):.0f} MB: ratio {last / warm:.3f} (target within ±{RSS_TOLERANCE:.0%})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hostile", type=int, default=30)
    parser.add_argument("--normal", type=int, default=60)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--url", help="an already running server (RSS is then not measured)")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--attack", metavar="URL", help=argparse.SUPPRESS)  # the attacking child process
    args = parser.parse_args()
    if args.attack:
        attack(args.attack, args.hostile)
        return
    gold = [json.loads(line)["question"] for line in (PROJECT_ROOT / "eval" / "gold.jsonl").read_text().splitlines()]
    server = None
    url = args.url
    if not url:
        url, server = start_server()
    try:
        if not args.skip_latency:
            latency_under_attack(url, gold, args.hostile, args.normal)
        if server is not None and not args.skip_memory:
            memory_over_requests(url, server.pid, gold, args.requests)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
