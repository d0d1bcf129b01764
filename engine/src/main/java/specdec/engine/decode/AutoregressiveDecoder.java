package specdec.engine.decode;

import specdec.engine.kv.KvCache;
import specdec.engine.model.LanguageModel;
import specdec.engine.model.Logits;

import java.util.SplittableRandom;

/**
 * The baseline: prefill the prompt, then one target forward per token. Like the speculative
 * decoder, it prefills all but the last prompt token, so both run the same forwards for the
 * first token.
 */
public final class AutoregressiveDecoder implements AutoCloseable {
    private final LanguageModel target;
    private final KvCache cache;
    private final Warper warper;
    private final float[] probs;
    private final int[] one = new int[1];

    public AutoregressiveDecoder(LanguageModel target, int capacity) {
        this.target = target;
        this.cache = target.newCache(capacity);
        this.warper = new Warper(target.vocabSize());
        this.probs = new float[target.vocabSize()];
    }

    public KvCache cache() {
        return cache;
    }

    public GenerationResult generate(int[] prompt, GenerationOptions options) {
        SplittableRandom rng = new SplittableRandom(options.seed());
        SamplingParams params = options.sampling();
        GenerationRecorder rec = new GenerationRecorder(prompt, options, cache.capacity(), target.vocabSize());
        cache.rollback(0);
        if (rec.length > 1) target.forward(rec.context, 0, rec.length - 1, cache, true);
        while (!rec.done()) {
            Logits logits = target.forward(rec.context, rec.length - 1, 1, cache, false);
            int token;
            if (params.isGreedy()) {
                token = Sampling.argmax(logits.data(), logits.offset(0), target.vocabSize());
            } else {
                warper.probabilities(logits.data(), logits.offset(0), params, probs);
                token = Sampling.sample(probs, target.vocabSize(), rng);
            }
            rec.emit(one, 0, token);
        }
        return rec.result("ar", null, 0, cache.bytes(), null);
    }

    @Override
    public void close() {
        cache.close();
    }
}
