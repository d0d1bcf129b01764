#!/usr/bin/env python3
"""An independent NumPy reading of HF GPT-2 / Llama semantics, with its own safetensors writer.

Used to cross-check `specdec forward` from outside the Java code base:
  hf_reference.py write gpt2|llama DIR [--dtype F32|BF16] [--prefix] [--rope-llama3]
  hf_reference.py check DIR LOGITS.npy IDS
Prints the maximum relative error |a - b| / (|b| + 1e-3 * max|b|) over every position.
"""
import json, struct, sys
import numpy as np


def write_safetensors(path, tensors, dtype):
    header, blobs, off = {}, [], 0
    for name, arr in tensors.items():
        a = np.ascontiguousarray(arr, dtype=np.float32)
        if dtype == "BF16":
            bits = a.view(np.uint32)
            rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)
            raw = rounded.tobytes()
        else:
            raw = a.tobytes()
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(header).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        raw = data[b:e]
        if info["dtype"] == "F32":
            a = np.frombuffer(raw, dtype="<f4")
        elif info["dtype"] == "BF16":
            a = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        elif info["dtype"] == "F16":
            a = np.frombuffer(raw, dtype="<f2").astype(np.float32)
        out[name] = a.reshape(info["shape"]).astype(np.float64)
    return out


def layer_norm(x, g, b, eps):
    m = x.mean(-1, keepdims=True)
    v = ((x - m) ** 2).mean(-1, keepdims=True)
    return (x - m) / np.sqrt(v + eps) * g + b


def causal_attention(q, k, v, scale):
    # q: [H, T, d]  k, v: [H, T, d]
    T = q.shape[1]
    s = q @ k.transpose(0, 2, 1) * scale
    s = s + np.triu(np.full((T, T), -np.inf), 1)
    s = np.exp(s - s.max(-1, keepdims=True))
    s /= s.sum(-1, keepdims=True)
    return s @ v


def gpt2_forward(cfg, w, ids):
    p = "transformer." if "transformer.wte.weight" in w else ""
    d, H = cfg["n_embd"], cfg["n_head"]
    hd = d // H
    eps = cfg.get("layer_norm_epsilon", 1e-5)
    T = len(ids)
    x = w[p + "wte.weight"][ids] + w[p + "wpe.weight"][:T]
    for i in range(cfg["n_layer"]):
        L = lambda n: w[f"{p}h.{i}.{n}"]
        h = layer_norm(x, L("ln_1.weight"), L("ln_1.bias"), eps)
        qkv = h @ L("attn.c_attn.weight") + L("attn.c_attn.bias")
        q, k, v = np.split(qkv, 3, axis=-1)
        sh = lambda a: a.reshape(T, H, hd).transpose(1, 0, 2)
        a = causal_attention(sh(q), sh(k), sh(v), 1 / np.sqrt(hd))
        a = a.transpose(1, 0, 2).reshape(T, d)
        x = x + a @ L("attn.c_proj.weight") + L("attn.c_proj.bias")
        h = layer_norm(x, L("ln_2.weight"), L("ln_2.bias"), eps)
        f = h @ L("mlp.c_fc.weight") + L("mlp.c_fc.bias")
        f = 0.5 * f * (1 + np.tanh(np.sqrt(2 / np.pi) * (f + 0.044715 * f ** 3)))
        x = x + f @ L("mlp.c_proj.weight") + L("mlp.c_proj.bias")
    x = layer_norm(x, w[p + "ln_f.weight"], w[p + "ln_f.bias"], eps)
    return x @ w[p + "wte.weight"].T


def llama_inv_freq(cfg, hd):
    inv = 1.0 / (cfg.get("rope_theta", 10000.0) ** (np.arange(0, hd, 2) / hd))
    rs = cfg.get("rope_scaling")
    if rs and rs.get("rope_type", rs.get("type")) == "llama3":
        f, lo, hi, old = rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"], rs["original_max_position_embeddings"]
        wl = 2 * np.pi / inv
        new = np.where(wl > old / lo, inv / f, inv)
        smooth = (old / wl - lo) / (hi - lo)
        mid = (wl >= old / hi) & (wl <= old / lo)
        inv = np.where(mid, (1 - smooth) * new / f + smooth * new, new)
    return inv


def rope(x, inv, T):
    # x: [H, T, hd], rotate-half pairs (i, i + hd/2)
    ang = np.arange(T)[:, None] * inv[None, :]
    cos, sin = np.cos(np.concatenate([ang, ang], -1)), np.sin(np.concatenate([ang, ang], -1))
    half = x.shape[-1] // 2
    rot = np.concatenate([-x[..., half:], x[..., :half]], -1)
    return x * cos + rot * sin


def llama_forward(cfg, w, ids):
    d, H = cfg["hidden_size"], cfg["num_attention_heads"]
    KV = cfg.get("num_key_value_heads", H)
    hd = cfg.get("head_dim") or d // H
    eps = cfg.get("rms_norm_eps", 1e-6)
    T = len(ids)
    inv = llama_inv_freq(cfg, hd)
    rms = lambda x, g: x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * g
    x = w["model.embed_tokens.weight"][ids]
    for i in range(cfg["num_hidden_layers"]):
        L = lambda n: w[f"model.layers.{i}.{n}"]
        h = rms(x, L("input_layernorm.weight"))
        q = (h @ L("self_attn.q_proj.weight").T).reshape(T, H, hd).transpose(1, 0, 2)
        k = (h @ L("self_attn.k_proj.weight").T).reshape(T, KV, hd).transpose(1, 0, 2)
        v = (h @ L("self_attn.v_proj.weight").T).reshape(T, KV, hd).transpose(1, 0, 2)
        q, k = rope(q, inv, T), rope(k, inv, T)
        k, v = np.repeat(k, H // KV, 0), np.repeat(v, H // KV, 0)
        a = causal_attention(q, k, v, 1 / np.sqrt(hd)).transpose(1, 0, 2).reshape(T, H * hd)
        x = x + a @ L("self_attn.o_proj.weight").T
        h = rms(x, L("post_attention_layernorm.weight"))
        g = h @ L("mlp.gate_proj.weight").T
        u = h @ L("mlp.up_proj.weight").T
        x = x + (g / (1 + np.exp(-g)) * u) @ L("mlp.down_proj.weight").T
    x = rms(x, w["model.norm.weight"])
    head = w["embed_tokens.weight" if False else ("lm_head.weight" if "lm_head.weight" in w else "model.embed_tokens.weight")]
    return x @ head.T


def write_model(arch, out, dtype, prefix, llama3):
    import os
    rng = np.random.default_rng(7)
    os.makedirs(out, exist_ok=True)
    n = lambda *s, std=0.08: rng.normal(0, std, s)
    t = {}
    if arch == "gpt2":
        cfg = {"model_type": "gpt2", "vocab_size": 300, "n_positions": 96, "n_embd": 48, "n_layer": 3, "n_head": 3,
               "activation_function": "gelu_new", "layer_norm_epsilon": 1e-5}
        d, V = 48, 300
        p = "transformer." if prefix else ""
        t[p + "wte.weight"] = n(V, d); t[p + "wpe.weight"] = n(96, d)
        for i in range(3):
            h = f"{p}h.{i}."
            t[h + "ln_1.weight"] = 1 + n(d); t[h + "ln_1.bias"] = n(d)
            t[h + "attn.c_attn.weight"] = n(d, 3 * d); t[h + "attn.c_attn.bias"] = n(3 * d)
            t[h + "attn.c_proj.weight"] = n(d, d); t[h + "attn.c_proj.bias"] = n(d)
            t[h + "ln_2.weight"] = 1 + n(d); t[h + "ln_2.bias"] = n(d)
            t[h + "mlp.c_fc.weight"] = n(d, 4 * d); t[h + "mlp.c_fc.bias"] = n(4 * d)
            t[h + "mlp.c_proj.weight"] = n(4 * d, d); t[h + "mlp.c_proj.bias"] = n(d)
        t[p + "ln_f.weight"] = 1 + n(d); t[p + "ln_f.bias"] = n(d)
    else:
        d, H, KV, hd, I, V = 64, 8, 2, 8, 96, 320
        cfg = {"model_type": "llama", "vocab_size": V, "hidden_size": d, "intermediate_size": I, "num_hidden_layers": 3,
               "num_attention_heads": H, "num_key_value_heads": KV, "max_position_embeddings": 256, "rms_norm_eps": 1e-5,
               "rope_theta": 500000.0, "tie_word_embeddings": False}
        if llama3:
            cfg["rope_scaling"] = {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                   "original_max_position_embeddings": 64}
        t["model.embed_tokens.weight"] = n(V, d)
        for i in range(3):
            h = f"model.layers.{i}."
            t[h + "input_layernorm.weight"] = 1 + n(d)
            t[h + "self_attn.q_proj.weight"] = n(H * hd, d); t[h + "self_attn.k_proj.weight"] = n(KV * hd, d)
            t[h + "self_attn.v_proj.weight"] = n(KV * hd, d); t[h + "self_attn.o_proj.weight"] = n(d, H * hd)
            t[h + "post_attention_layernorm.weight"] = 1 + n(d)
            t[h + "mlp.gate_proj.weight"] = n(I, d); t[h + "mlp.up_proj.weight"] = n(I, d); t[h + "mlp.down_proj.weight"] = n(d, I)
        t["model.norm.weight"] = 1 + n(d); t["lm_head.weight"] = n(V, d)
    write_safetensors(f"{out}/model.safetensors", t, dtype)
    json.dump(cfg, open(f"{out}/config.json", "w"))


def main():
    if sys.argv[1] == "write":
        args = sys.argv[2:]
        dtype = "BF16" if "--dtype" in args and args[args.index("--dtype") + 1] == "BF16" else "F32"
        write_model(args[0], args[1], dtype, "--prefix" in args, "--rope-llama3" in args)
    else:
        out, npy, ids = sys.argv[2], sys.argv[3], [int(i) for i in sys.argv[4].split(",")]
        cfg = json.load(open(f"{out}/config.json"))
        w = read_safetensors(f"{out}/model.safetensors")
        ref = (gpt2_forward if cfg["model_type"] == "gpt2" else llama_forward)(cfg, w, ids)
        got = np.load(npy).astype(np.float64)
        err = np.abs(got - ref) / (np.abs(ref) + 1e-3 * np.abs(ref).max())
        print(f"max rel err {err.max():.3e}  max abs err {np.abs(got - ref).max():.3e}  shape {got.shape}")


if __name__ == "__main__":
    main()
