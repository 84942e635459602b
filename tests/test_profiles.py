"""Article profiles: the annotation file, its vectors in the index build, and their part in retrieval."""

import json
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest

from qa.config import PROJECT_ROOT
from qa.errors import CorpusError
from qa.indexing.index import check_status, current_build, open_index
from qa.indexing.profile_vectors import PROFILE_ROWS, PROFILES, ProfileVectors
from qa.retrieval import hybrid
from qa.retrieval.profile_match import ArticleProfiles
from qa.sources.profiles import Profile, load_profiles, parse_profiles

SHIPPED = PROJECT_ROOT / "qa" / "data" / "profiles.tsv"


def test_rows_parse_with_article_paragraph_and_language():
    rows = parse_profiles("# comment\n\n2\tuk\tхтось зайшов у мою пошту\n18.3\ten\twho owns this IP address\n"
                          "preamble\ten\twhy the treaty exists\n")
    assert rows == (Profile("2", None, "uk", "хтось зайшов у мою пошту"), Profile("18", "3", "en", "who owns this IP address"),
                    Profile("preamble", None, "en", "why the treaty exists"))
    assert Profile.from_json(rows[1].to_json()) == rows[1]


@pytest.mark.parametrize("line", ["2\tde\tEin Text", "два\tuk\tтекст", "2\tuk", "2\tuk\t  ", "2\tuk\ta\tb"])
def test_a_bad_row_names_its_line(line):
    with pytest.raises(CorpusError, match=r"profiles:2: expected ARTICLE"):
        parse_profiles(f"# header\n{line}\n")


def test_the_shipped_profiles_cover_every_substantive_article_in_both_languages():
    rows = load_profiles(SHIPPED)
    for article in map(str, range(2, 36)):
        for lang in ("uk", "en"):
            assert sum(1 for r in rows if r.article == article and r.lang == lang) >= 8, (article, lang)
    assert {r.article for r in rows} <= {str(n) for n in range(1, 49)} | {"preamble", "header"}


def test_a_build_keeps_the_profiles_it_was_made_from_and_goes_stale_when_they_change(mini_settings, tmp_path):
    profiles = tmp_path / "profiles.tsv"
    profiles.write_text("2\tuk\tхтось зайшов у мою пошту без дозволу\n3\ten\tsomeone recorded my calls\n",
                        encoding="utf-8")
    settings = replace(mini_settings, profiles_path=profiles)
    index = open_index(settings)
    build = current_build(settings.index_dir)
    assert [p.article for p in index.profiles.profiles] == ["2", "3"]
    assert index.profiles.vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(index.profiles.vectors, axis=1), 1.0, atol=1e-4)
    assert json.loads((build / PROFILE_ROWS).read_text(encoding="utf-8"))[1]["text"] == "someone recorded my calls"
    assert check_status(settings).state == "ok"

    profiles.write_text(profiles.read_text(encoding="utf-8") + "5\ten\tthe website went down under a flood\n",
                        encoding="utf-8")
    status = check_status(settings)
    assert status.state == "stale" and "article profiles changed" in status.reason
    assert len(open_index(settings).profiles.profiles) == 3


def test_tampered_profile_vectors_are_detected(mini_settings):
    open_index(mini_settings)
    build = current_build(mini_settings.index_dir)
    vectors = np.load(build / PROFILES)
    np.save(build / PROFILES, vectors[:-1])
    status = check_status(mini_settings)
    assert status.state == "corrupted" and PROFILES in status.reason


class CountingEmbedder:
    """Counts the passages and questions it is asked to embed; deterministic unit vectors from the text's length."""

    id, dim = "counting", 4

    def __init__(self):
        self.passages = self.questions = 0

    def embed_passages(self, texts):
        self.passages += len(texts)
        return np.eye(self.dim, dtype=np.float32)[[len(t) % self.dim for t in texts]]

    def embed_queries(self, texts):
        self.questions += len(texts)
        return np.eye(self.dim, dtype=np.float32)[[(len(t) + 1) % self.dim for t in texts]]


def test_profile_vectors_and_classifier_are_cached_by_text_and_embedder_and_a_damaged_cache_is_remade(tmp_path):
    rows = parse_profiles("2\ten\tone\n3\ten\tthree\n")
    embedder = CountingEmbedder()
    first = ProfileVectors.of(rows, embedder, tmp_path)
    second = ProfileVectors.of(rows, embedder, tmp_path)
    assert embedder.passages == 2 and embedder.questions == 2 and np.array_equal(first.vectors, second.vectors)
    assert first.classifier.labels == second.classifier.labels == ("2", "3")
    assert np.array_equal(first.classifier.weights, second.classifier.weights)
    cached = list((tmp_path / "profiles").glob("*.npy"))
    assert len(cached) == 3  # passages, questions, the fitted classifier
    for damaged in cached:
        damaged.write_bytes(b"not an array")
    third = ProfileVectors.of(rows, embedder, tmp_path)
    assert np.array_equal(third.vectors, first.vectors) and np.allclose(third.classifier.weights, first.classifier.weights)
    assert embedder.passages == 4 and embedder.questions == 4
    ProfileVectors.of(parse_profiles("2\ten\tone changed\n3\ten\tthree\n"), embedder, tmp_path)
    assert embedder.passages == 6 and len(list((tmp_path / "profiles").glob("*.npy"))) == 6


def test_the_best_matching_article_gains_the_weight_and_the_typical_ones_nothing():
    profiles = tuple(Profile(a, None, "en", a) for a in ("2", "2", "3", "4", "5"))
    vectors = np.eye(5, dtype=np.float32)
    index = SimpleNamespace(profiles=ProfileVectors(profiles, vectors))
    rows = {a: np.array(r) for a, r in {"2": [0, 1], "3": [2], "4": [3], "5": [4], "6": [5]}.items()}
    matcher = ArticleProfiles.of(index, rows)
    question = np.array([0.0, 0.9, 0.5, 0.1, 0.0], dtype=np.float32)  # the second profile of Article 2
    assert matcher.scores(question).tolist() == pytest.approx([0.9, 0.5, 0.1, 0.0])
    fused = np.zeros(6, dtype=np.float32)
    matcher.boost(question, fused, 0.4)
    assert fused.tolist() == pytest.approx([0.4, 0.4, 0.4 * (0.5 - 0.3) / (0.9 - 0.3), 0.0, 0.0, 0.0])


def _margin(retrieval, article: str) -> float:
    """How far the article's best chunk leads (or trails) the best chunk of any other provision."""
    own = max(h.score for h in retrieval.hits if h.chunk.article == article)
    other = max(h.score for h in retrieval.hits if h.chunk.article != article)
    return own - other


def test_profiles_lead_an_everyday_question_to_the_article_that_covers_it(assistant, monkeypatch):
    """A story in words the Convention never uses: Article 5 (system interference) leads, and leads by
    more than it does without the profiles (their effect on the gold sets is measured in the README)."""
    question = "Somebody flooded our little online shop with junk traffic and it was unreachable all weekend"
    with_profiles = assistant.retriever.retrieve(question, k=20)
    assert with_profiles.hits[0].chunk.article == "5"
    monkeypatch.setattr(hybrid, "PROFILE_WEIGHT", 0.0)
    without = assistant.retriever.retrieve(question, k=20)
    assert _margin(with_profiles, "5") > _margin(without, "5") + 0.05


@pytest.mark.parametrize("content, message", [
    ("# header\n2\tde\tEin Text\n", "profiles.tsv:2: expected ARTICLE<TAB>uk|en<TAB>description"),
    (None, "article profiles"),
])
def test_a_bad_profiles_file_is_one_line_and_exit_2_before_any_embedding_and_the_index_is_kept(
        mini_settings, tmp_path, content, message):
    import os
    import subprocess
    import sys

    from qa.checksums import sha256_file

    open_index(mini_settings)
    build = current_build(mini_settings.index_dir)
    before = {p.name: sha256_file(p) for p in build.iterdir()}
    profiles = tmp_path / "profiles.tsv"
    if content is not None:
        profiles.write_text(content, encoding="utf-8")
    env = {**os.environ, "QA_INDEX_DIR": str(mini_settings.index_dir), "QA_CORPUS_DIR": str(mini_settings.corpus_dir),
           "QA_PROFILES_PATH": str(profiles)}
    out = subprocess.run([sys.executable, "-m", "qa", "index", "build"], env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 2
    errors = [line for line in out.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and message in errors[0]
    assert "embedding passages" not in out.stderr + out.stdout
    assert current_build(mini_settings.index_dir) == build
    assert {p.name: sha256_file(p) for p in build.iterdir()} == before
