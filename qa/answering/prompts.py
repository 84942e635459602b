"""Answer templates and prompts live as files in `prompts/`, one per answerer and language."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from ..errors import ConfigError

_SECTION = re.compile(r"^\[(\w+)\]\s*$")


@lru_cache(maxsize=32)
def load_templates(prompts_dir: Path, name: str, lang: str) -> dict[str, str]:
    path = prompts_dir / f"{name}.{lang}.txt"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"{path}: template file missing or unreadable") from exc
    sections: dict[str, list[str]] = {}
    current = None
    for line in lines:
        if m := _SECTION.match(line):
            current = m.group(1)
            sections[current] = []
        elif current is not None:
            sections[current].append(line)
        elif line.strip() and not line.startswith("#"):
            raise ConfigError(f"{path}: text before the first [section]")
    return {key: "\n".join(value).strip() for key, value in sections.items()}
