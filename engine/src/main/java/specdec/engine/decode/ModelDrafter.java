package specdec.engine.decode;

import specdec.engine.kv.KvCache;
import specdec.engine.model.LanguageModel;
import specdec.engine.model.Logits;

import java.util.random.RandomGenerator;

/**
 * A smaller model that drafts K tokens with K one-token forwards over its own KV cache.
 * Its cache always holds a prefix of the context: after a round, the positions past the last
 * accepted draft token are dropped by moving the length pointer, and the tokens it has not
 * seen (the accepted tail, the replacement or bonus token) are fed in one forward next time.
 */
public final class ModelDrafter implements Drafter {
    private final LanguageModel model;
    private final KvCache cache;
    private final Warper warper;
    private final float[][] q;
    private final int[] one = new int[1];
    private long forwards;

    public ModelDrafter(LanguageModel model, int capacity, int maxK) {
        this.model = model;
        this.cache = model.newCache(capacity);
        this.warper = new Warper(model.vocabSize());
        this.q = new float[maxK][model.vocabSize()];
    }

    public KvCache cache() {
        return cache;
    }

    @Override
    public void prefill(int[] context, int n) {
        cache.rollback(0);
        if (n > 0) {
            model.forward(context, 0, n, cache, true);
            forwards++;
        }
    }

    @Override
    public int propose(int[] context, int n, int k, SamplingParams params, RandomGenerator rng, int[] out) {
        // Positions up to n - 1 that the cache holds are context tokens; anything later was a rejected draft.
        int valid = Math.min(cache.length(), n - 1);
        cache.rollback(valid);
        Logits logits = model.forward(context, valid, n - valid, cache, true);
        forwards++;
        for (int i = 0; i < k; i++) {
            if (i > 0) {
                one[0] = out[i - 1];
                logits = model.forward(one, 0, 1, cache, false);
                forwards++;
            }
            warper.probabilities(logits.data(), logits.offset(0), params, q[i]);
            out[i] = params.isGreedy() ? Sampling.argmax(logits.data(), logits.offset(0), model.vocabSize())
                    : Sampling.sample(q[i], model.vocabSize(), rng);
        }
        return k;
    }

    @Override
    public float[] q(int i) {
        return q[i];
    }

    /** The draft feeds context[.. n) and k - 1 drafts: n + k - 1 positions. */
    @Override
    public int maxDraft(int n) {
        return Math.min(q.length, cache.capacity() - n + 1);
    }

    @Override
    public long forwards() {
        return forwards;
    }

    @Override
    public long cacheBytes() {
        return cache.bytes();
    }

    @Override
    public String name() {
        return "draft model";
    }

    @Override
    public void close() {
        cache.close();
    }
}
