package specdec.engine.model;

import specdec.engine.kv.KvCache;

/**
 * A causal language model. One forward serves every use: prefill (T = prompt), one-token decode
 * (T = 1) and verification of a draft (T = K + 1). It appends the tokens at
 * {@code cache.length()} and advances the cache by T.
 */
public interface LanguageModel extends AutoCloseable {

    /** Logits for every one of the T positions. */
    default Logits forward(int[] tokens, KvCache cache) {
        return forward(tokens, 0, tokens.length, cache, false);
    }

    /**
     * Runs {@code tokens[offset .. offset + count)}. With {@code lastOnly} only the last
     * position's logits are computed (a prefill that needs just the next token).
     */
    Logits forward(int[] tokens, int offset, int count, KvCache cache, boolean lastOnly);

    /** A cache for {@code capacity} positions (at most {@link #contextLength()}). */
    KvCache newCache(int capacity);

    default KvCache newCache() {
        return newCache(contextLength());
    }

    int vocabSize();

    int contextLength();

    /** "gpt2" or "llama". */
    String architecture();

    @Override
    void close();
}
