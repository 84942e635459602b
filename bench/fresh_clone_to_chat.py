"""Benchmark (not a test): the README's first command on a fresh clone, timed to the first cited answer.

    python bench/fresh_clone_to_chat.py [--keep]

Clones this checkout into a temporary folder, runs `bash scripts/setup.sh` there with an empty model cache
(so the ONNX conversion is part of the time), starts `.venv/bin/qa serve` as the README says (the index is
built on first run), and asks one question through the chat's API with gradio_client. Prints the time of
each step and the total. uv's and pip's download caches are whatever this machine has (uv's is empty
until setup.sh has run once with the default cache folder).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
QUESTION = "Що таке незаконний доступ?"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url: str, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"error: qa serve exited with {proc.returncode} before it was ready")
        try:
            with urllib.request.urlopen(url + "config", timeout=2):
                return
        except OSError:
            time.sleep(0.25)
    raise SystemExit(f"error: qa serve was not ready after {timeout:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the clone (printed) instead of removing it")
    args = parser.parse_args()
    from gradio_client import Client

    scratch = Path(tempfile.mkdtemp(prefix="fresh-clone-"))
    clone, cache = scratch / "repo", scratch / "cache"
    env = {**os.environ, "QA_CACHE_DIR": str(cache), "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1"}
    env.pop("VIRTUAL_ENV", None)
    steps: list[tuple[str, float]] = []
    started = time.perf_counter()
    subprocess.run(["git", "clone", "--quiet", str(HERE), str(clone)], check=True)
    steps.append(("git clone", time.perf_counter() - started))
    mark = time.perf_counter()
    subprocess.run(["bash", "scripts/setup.sh"], cwd=clone, env=env, check=True)
    steps.append(("bash scripts/setup.sh (venv, pip install, model conversion)", time.perf_counter() - mark))
    mark = time.perf_counter()
    port = free_port()
    proc = subprocess.Popen([str(clone / ".venv/bin/qa"), "serve", "--port", str(port)], cwd=clone, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_ready(url, proc, timeout=900)
        steps.append(("qa serve until ready (index build, app start)", time.perf_counter() - mark))
        mark = time.perf_counter()
        answer = Client(url, verbose=False).predict(QUESTION, api_name="/ask")
        steps.append(("first question through the chat's API", time.perf_counter() - mark))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    total = time.perf_counter() - started
    first = (answer.get("citations") or [{}])[0].get("label")
    print(f"fresh clone → first cited answer ({first!r}), load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores:")
    for name, seconds in steps:
        print(f"  {seconds:7.1f} s  {name}")
    print(f"  {total:7.1f} s  total (target < 120 s)")
    if args.keep:
        print(f"clone kept at {clone}")
    else:
        shutil.rmtree(scratch, ignore_errors=True)
    if not first:
        sys.exit("error: the answer had no citation")


if __name__ == "__main__":
    main()
