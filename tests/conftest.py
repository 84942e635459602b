"""Shared fixtures: the real shipped corpus and a real index over it (built once per session),
and a three-article mini-convention made in the test for fast, isolated index tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from qa.config import PROJECT_ROOT, Settings, load_settings  # noqa: E402

CORPUS_DIR = PROJECT_ROOT / "corpus"
CONVENTION_FILE = CORPUS_DIR / "budapest-convention.uk.txt"

MINI_CONVENTION = """Конвенція про кіберзлочинність

Дата підписання: 23.11.2001

Преамбула

Держави-члени Ради Європи, які підписали цю Конвенцію,

Домовились про таке:

Розділ I – Використання термінів

Стаття 1 – Визначення

Для цілей цієї Конвенції:

a. “комп’ютерна система” означає будь-який пристрій;

b. “комп’ютерні дані” означає будь-яке представлення фактів.

Розділ II – Заходи

Стаття 2 – Незаконний доступ

Кожна Сторона встановлює кримінальну відповідальність за навмисний
доступ до комп’ютерної системи без права на це.

Стаття 3 – Нелегальне перехоплення

1. Кожна Сторона встановлює відповідальність за перехоплення
передач комп’ютерних даних, як передбачено у статтях 1 – 2.

2. Сторона може вимагати недобросовісної мети, зазначеної у пункті 1
цієї статті.

Автор – test
"""


def _seed_index(index_dir: Path) -> None:
    """Copy the live build named by $QA_TEST_INDEX_SEED/CURRENT (scripts/test.sh points it at index/,
    which the eval gate needs anyway) so the suite does not build the same index a second time. The
    copy is checked like any index: a stale or corrupted one is rebuilt, so the seed cannot change
    what the tests see."""
    import shutil

    seed = os.environ.get("QA_TEST_INDEX_SEED")
    if not seed or not (Path(seed) / "CURRENT").is_file():
        return
    build = (Path(seed) / "CURRENT").read_text(encoding="utf-8").strip()
    if build and (Path(seed) / build).is_dir():
        shutil.copytree(Path(seed) / build, index_dir / build)
        (index_dir / "CURRENT").write_text(build, encoding="utf-8")


@pytest.fixture(scope="session")
def real_settings(tmp_path_factory) -> Settings:
    index_dir = tmp_path_factory.mktemp("real-index")
    _seed_index(index_dir)
    return load_settings(environ={}, index_dir=index_dir, corpus_dir=CORPUS_DIR)


@pytest.fixture(scope="session")
def assistant(real_settings):
    from qa.answering.pipeline import Assistant

    return Assistant(real_settings)


@pytest.fixture(scope="session")
def real_index(assistant):
    return assistant.index


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server(assistant):
    """One live Gradio server over the shared index for the whole run (API, browser and route tests)."""
    from qa.surfaces.web_server import serve

    port = free_port()
    app = serve(assistant, port=port, block=False)
    yield f"http://127.0.0.1:{port}/"
    app.close()


@pytest.fixture()
def mini_corpus(tmp_path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "convention.txt").write_text(MINI_CONVENTION, encoding="utf-8")
    (corpus / "commentary-notes.txt").write_text(
        "Перший абзац коментаря українською мовою.\n\nThe second paragraph is in English.\n", encoding="utf-8"
    )
    return corpus


@pytest.fixture()
def mini_settings(tmp_path, mini_corpus) -> Settings:
    return load_settings(environ={}, index_dir=tmp_path / "index", corpus_dir=mini_corpus)
