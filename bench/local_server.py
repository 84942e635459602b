"""`qa serve` in its own process on a free loopback port, as users run it: shared by the bench scripts."""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
import urllib.request


def start_server(*cli_options: str, timeout: float = 600) -> tuple[str, subprocess.Popen]:
    """Start `qa [OPTIONS] serve` and return (url, process) once /config answers (the first start may build
    the index); the server's stderr is shown when it exits or never becomes ready."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen([sys.executable, "-m", "qa", *cli_options, "serve", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=log)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            raise SystemExit("qa serve exited before it was ready:\n" + log.read().decode(errors="replace")[-2000:])
        try:
            with urllib.request.urlopen(url + "config", timeout=2):
                return url, proc
        except OSError:
            time.sleep(0.5)
    proc.terminate()
    raise SystemExit(f"qa serve did not become ready in {timeout:.0f} s")
