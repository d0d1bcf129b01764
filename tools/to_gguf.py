#!/usr/bin/env python3
"""Write a specdec/HF safetensors checkpoint (GPT-2 or Llama) as an f32 GGUF file for llama.cpp.

Used only to run llama.cpp's llama-bench on the same weights specdec benchmarks (docs/benchmarks.md).
It needs NumPy and the gguf Python package that ships inside llama.cpp's source tree (gguf-py):

    python3 tools/to_gguf.py MODEL_DIR VOCAB.gguf OUT.gguf --gguf-py LLAMA_CPP/gguf-py

VOCAB.gguf supplies the tokenizer metadata (llama.cpp's ggml-vocab-gpt-2.gguf or
ggml-vocab-llama-spm.gguf, from scripts/fetch-vocabs.sh); llama.cpp refuses a model without one.
Then llama.cpp's llama-quantize makes the f16 / bf16 / q8_0 / q4_0 files (use --pure so every
matrix, the output layer too, gets the one type, as `specdec --quantize` does).

Llama's q and k rows are written in HF's order, without the interleaving llama.cpp's rope
expects: the timings are the same, the generated text would not be. This tool is for speed only.
"""
import argparse
import json
import struct
import sys
from pathlib import Path

import numpy as np

DTYPES = {"F32": np.float32, "F16": np.float16}


def read_safetensors(path):
    raw = Path(path).read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    data = memoryview(raw)[8 + n:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        if info["dtype"] == "BF16":
            u16 = np.frombuffer(data[a:b], dtype="<u2").astype(np.uint32) << 16
            arr = u16.view(np.float32)
        else:
            arr = np.frombuffer(data[a:b], dtype=DTYPES[info["dtype"]]).astype(np.float32)
        out[name] = arr.reshape(info["shape"])
    return out


def copy_tokenizer(gguf, writer, vocab_path):
    reader = gguf.GGUFReader(vocab_path)
    for name, field in reader.fields.items():
        if not name.startswith("tokenizer."):
            continue
        value = field.contents()
        kind = field.types[0]
        if kind == gguf.GGUFValueType.ARRAY:
            writer.add_array(name, value)
        elif kind == gguf.GGUFValueType.STRING:
            writer.add_string(name, value)
        elif kind == gguf.GGUFValueType.BOOL:
            writer.add_bool(name, value)
        elif kind == gguf.GGUFValueType.FLOAT32:
            writer.add_float32(name, value)
        else:
            writer.add_uint32(name, int(value))


def gpt2(gguf, cfg, t, out, vocab):
    w = gguf.GGUFWriter(out, "gpt2")
    d = cfg["n_embd"]
    w.add_block_count(cfg["n_layer"])
    w.add_context_length(cfg["n_positions"])
    w.add_embedding_length(d)
    w.add_feed_forward_length(cfg.get("n_inner") or 4 * d)
    w.add_head_count(cfg["n_head"])
    w.add_layer_norm_eps(cfg.get("layer_norm_epsilon", 1e-5))
    w.add_file_type(0)
    copy_tokenizer(gguf, w, vocab)
    p = "transformer." if "transformer.wte.weight" in t else ""
    w.add_tensor("token_embd.weight", t[p + "wte.weight"])
    w.add_tensor("position_embd.weight", t[p + "wpe.weight"])
    w.add_tensor("output_norm.weight", t[p + "ln_f.weight"])
    w.add_tensor("output_norm.bias", t[p + "ln_f.bias"])
    names = {"ln_1": "attn_norm", "attn.c_attn": "attn_qkv", "attn.c_proj": "attn_output", "ln_2": "ffn_norm",
             "mlp.c_fc": "ffn_up", "mlp.c_proj": "ffn_down"}
    for i in range(cfg["n_layer"]):
        for hf, gg in names.items():
            wt = t[f"{p}h.{i}.{hf}.weight"]
            # Conv1D stores [in, out]; ggml wants [out, in] rows like a Linear
            w.add_tensor(f"blk.{i}.{gg}.weight", np.ascontiguousarray(wt.T) if wt.ndim == 2 else wt)
            w.add_tensor(f"blk.{i}.{gg}.bias", t[f"{p}h.{i}.{hf}.bias"])
    return w


def llama(gguf, cfg, t, out, vocab):
    w = gguf.GGUFWriter(out, "llama")
    heads = cfg["num_attention_heads"]
    w.add_block_count(cfg["num_hidden_layers"])
    w.add_context_length(cfg.get("max_position_embeddings", 2048))
    w.add_embedding_length(cfg["hidden_size"])
    w.add_feed_forward_length(cfg["intermediate_size"])
    w.add_head_count(heads)
    w.add_head_count_kv(cfg.get("num_key_value_heads", heads))
    w.add_layer_norm_rms_eps(cfg.get("rms_norm_eps", 1e-6))
    w.add_rope_dimension_count(cfg.get("head_dim", cfg["hidden_size"] // heads))
    w.add_rope_freq_base(cfg.get("rope_theta", 10000.0))
    w.add_file_type(0)
    copy_tokenizer(gguf, w, vocab)
    w.add_tensor("token_embd.weight", t["model.embed_tokens.weight"])
    w.add_tensor("output_norm.weight", t["model.norm.weight"])
    w.add_tensor("output.weight", t.get("lm_head.weight", t["model.embed_tokens.weight"]))
    names = {"input_layernorm": "attn_norm", "self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k",
             "self_attn.v_proj": "attn_v", "self_attn.o_proj": "attn_output", "post_attention_layernorm": "ffn_norm",
             "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up", "mlp.down_proj": "ffn_down"}
    for i in range(cfg["num_hidden_layers"]):
        for hf, gg in names.items():
            w.add_tensor(f"blk.{i}.{gg}.weight", t[f"model.layers.{i}.{hf}.weight"])
    return w


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("vocab")
    ap.add_argument("out")
    ap.add_argument("--gguf-py", required=True, help="llama.cpp's gguf-py directory")
    a = ap.parse_args()
    sys.path.insert(0, a.gguf_py)
    import gguf

    model = Path(a.model)
    cfg = json.loads((model / "config.json").read_text())
    tensors = read_safetensors(model / "model.safetensors")
    build = gpt2 if cfg["model_type"] == "gpt2" else llama
    w = build(gguf, cfg, tensors, a.out, a.vocab)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


if __name__ == "__main__":
    main()
