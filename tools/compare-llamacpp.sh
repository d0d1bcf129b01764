#!/usr/bin/env bash
# Side-by-side: specdec bench-decode against llama.cpp's llama-bench on the same weights, alternating
# the two in one session so the shared machine's load hits both alike. Prints one markdown row per
# format: one-token decode tok/s of each, their ratio, the rate each reads the weights at (specdec's
# count of the bytes a token reads, the same tensors in the same types on both sides), and each one's
# cost of a 5-token batch relative to one token. llama-bench runs with its weights memory-mapped
# from the file (its default) and read into memory (--load-mode none), and the faster of the two is the one
# compared with: specdec holds its weights in memory of its own (on 2 MiB pages where the kernel
# grants them), and on 4 KiB pages of the page cache llama.cpp decodes 10-15 % slower.
#
#   tools/compare-llamacpp.sh LLAMA_BIN_DIR MODEL_DIR GGUF_PREFIX [ROUNDS] [FORMATS]
#
# MODEL_DIR: the f32 (or bf16) safetensors checkpoint; GGUF_PREFIX: files PREFIX-f32.gguf,
# PREFIX-q8_0.gguf, ... made from it with tools/to_gguf.py and llama-quantize --pure.
# FORMATS: space-separated, from f32 f16 bf16 q8_0 q4_0 (default: all five).
set -euo pipefail
bin=$1 model=$2 prefix=$3 rounds=${4:-3} formats=${5:-"f32 f16 bf16 q8_0 q4_0"}
root=$(cd "$(dirname "$0")/.." && pwd)
export LD_LIBRARY_PATH="$bin${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
threads=$(nproc)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "| format | specdec tok/s | llama.cpp tok/s (mmap / none) | specdec / llama.cpp's faster | specdec GB/s | llama.cpp GB/s | specdec fwd(5)/fwd(1) | llama.cpp pp5 cost / tg cost |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for f in $formats; do
  case $f in
    q8_0|q4_0) opt=(--quantize "$f") ;;
    *) opt=(--dtype "$f") ;;
  esac
  for r in $(seq "$rounds"); do
    "$root/specdec" bench-decode --model "$model" "${opt[@]}" --tokens 48 --warmup 16 --threads "$threads" --json \
      >> "$tmp/sd-$f.jsonl"
    "$bin/llama-bench" -m "$prefix-$f.gguf" -t "$threads" -p 5 -n 48 -r 2 --load-mode mmap,none -o jsonl 2>/dev/null >> "$tmp/ll-$f.jsonl"
  done
  python3 - "$f" "$tmp/sd-$f.jsonl" "$tmp/ll-$f.jsonl" <<'EOF'
import json, statistics, sys
fmt, sd_file, ll_file = sys.argv[1:]
sd = [json.loads(l) for l in open(sd_file) if l.strip()]
ll = [json.loads(l) for l in open(ll_file) if l.strip()]
sd_tok = statistics.median(r["decode_tok_per_s"] for r in sd)
sd_ratio = statistics.median(r["forward_k1_over_forward_1"] for r in sd)
gb = sd[0]["weight_bytes_per_token"] / 1e9
tg = {m: statistics.median(r["avg_ts"] for r in ll if r["n_gen"] > 0 and r["load_mode"] == m) for m in ("mmap", "none")}
pp5 = {m: statistics.median(r["avg_ts"] for r in ll if r["n_prompt"] == 5 and r["load_mode"] == m) for m in ("mmap", "none")}
best = max(tg, key=tg.get)
# seconds per 5-token batch over seconds per token
ll_ratio = (5 / pp5[best]) / (1 / tg[best])
print(f"| {fmt} | {sd_tok:.1f} | {tg['mmap']:.1f} / {tg['none']:.1f} | {sd_tok / tg[best]:.2f} | {sd_tok * gb:.1f} | {tg[best] * gb:.1f} | {sd_ratio:.2f} | {ll_ratio:.2f} |")
EOF
done
