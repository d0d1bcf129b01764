package specdec.engine.decode;

import specdec.engine.kv.KvCache;
import specdec.engine.metrics.Phase;
import specdec.engine.metrics.PhaseTimer;
import specdec.engine.metrics.SpeedupModel;
import specdec.engine.model.LanguageModel;
import specdec.engine.model.Logits;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Speculative decoding. Each round: the drafter proposes K tokens; the target scores
 * [last, d1 .. dK] in ONE forward of K + 1 positions; the {@link Verifier} keeps a prefix and
 * adds one token of its own; the target cache is rolled back to the new context by moving its
 * length pointer. Nothing is allocated per round.
 */
public final class SpeculativeDecoder implements AutoCloseable {
    private final LanguageModel target;
    private final Drafter drafter;
    private final KvCache cache;
    private final int maxK;
    private final boolean adaptiveK;
    private final Verifier verifier;
    private final int[] drafts;
    private final int[] block;
    private final PhaseTimer timer = PhaseTimer.cpu();

    public SpeculativeDecoder(LanguageModel target, Drafter drafter, int capacity, int k, boolean adaptiveK) {
        if (k < 1) throw new specdec.engine.SpecdecException("--k must be >= 1, got " + k);
        this.target = target;
        this.drafter = drafter;
        this.cache = target.newCache(capacity);
        this.maxK = k;
        this.adaptiveK = adaptiveK;
        this.verifier = new Verifier(target.vocabSize());
        this.drafts = new int[k];
        this.block = new int[k + 1];
    }

    public KvCache cache() {
        return cache;
    }

    public GenerationResult generate(int[] prompt, GenerationOptions options) {
        SplittableRandom rng = new SplittableRandom(options.seed());
        SamplingParams params = options.sampling();
        GenerationRecorder rec = new GenerationRecorder(prompt, options, cache.capacity(), target.vocabSize());
        long[] draftedAt = new long[maxK], acceptedAt = new long[maxK];
        long drafted = 0, accepted = 0, tested = 0;
        int rounds = 0; // target verification passes, including the ones with nothing drafted
        int k = maxK;
        timer.reset();

        timer.start(Phase.PREFILL);
        cache.rollback(0);
        int n = rec.length;
        if (n > 1) target.forward(rec.context, 0, n - 1, cache, true);
        drafter.prefill(rec.context, n - 1);
        long draftForwardsAfterPrefill = drafter.forwards();

        while (!rec.done()) {
            n = rec.length;
            if (drafter.maxDraft(n) < 1) {
                rec.stop(StopReason.CONTEXT); // the draft model's context is full
                break;
            }
            // a round may add k + 1 tokens: keep them within the budget and both contexts
            int kRound = Math.max(0, Math.min(Math.min(k, rec.remaining() - 1), drafter.maxDraft(n)));
            timer.start(Phase.DRAFT);
            int proposed = kRound > 0 ? drafter.propose(rec.context, n, kRound, params, rng, drafts) : 0;
            timer.start(Phase.VERIFY);
            block[0] = rec.context[n - 1];
            System.arraycopy(drafts, 0, block, 1, proposed);
            Logits logits = target.forward(block, 0, proposed + 1, cache, false);
            timer.start(Phase.SAMPLING);
            verifier.verify(logits, drafts, proposed, drafter, params, rng);
            int a = verifier.accepted();
            timer.start(Phase.OTHER);
            rec.emit(drafts, a, verifier.next());
            cache.rollback(rec.length - 1);
            rounds++;
            if (proposed > 0) {
                drafted += proposed;
                accepted += a;
                tested += a < proposed ? a + 1 : proposed;
                for (int i = 0; i < proposed; i++) draftedAt[i]++;
                for (int i = 0; i < a; i++) acceptedAt[i]++;
                if (adaptiveK) k = a == proposed ? Math.min(maxK, k + 1) : Math.max(1, k - 1);
            }
        }
        timer.stop();

        // One-token target steps at the final position give t_target for the cost ratio and speedups.
        double targetStepMs = targetStepMs(rec);
        long draftForwards = drafter.forwards() - draftForwardsAfterPrefill;
        double draftStepMs = draftForwards == 0 ? 0 : timer.nanos(Phase.DRAFT) / 1e6 / draftForwards;
        double c = draftStepMs / targetStepMs;
        double alpha = tested == 0 ? 0 : (double) accepted / tested;
        Map<String, Double> phases = new LinkedHashMap<>();
        for (Phase p : Phase.values()) phases.put(p.name().toLowerCase(java.util.Locale.ROOT), timer.nanos(p) / 1e6);
        GenerationResult partial = rec.result("sd", drafter.name(), maxK, cache.bytes() + drafter.cacheBytes(), null);
        double decodeMs = partial.totalMs() - timer.nanos(Phase.PREFILL) / 1e6;
        double measured = partial.generatedTokens() == 0 ? 0 : targetStepMs / (decodeMs / partial.generatedTokens());
        GenerationResult.Speculation spec = new GenerationResult.Speculation(rounds, drafted, accepted,
                drafted == 0 ? 0 : (double) accepted / drafted, alpha,
                rounds == 0 ? 0 : (double) partial.generatedTokens() / rounds,
                draftedAt, acceptedAt, phases, c, targetStepMs, SpeedupModel.speedup(alpha, maxK, c), measured);
        return new GenerationResult(partial.mode(), partial.configHash(), partial.drafter(), maxK, partial.seed(),
                partial.promptTokens(), partial.generatedIds(), null, partial.stopReason(), partial.totalMs(), partial.ttftMs(),
                partial.tokensPerSecond(), partial.tokenLatenciesMs(), partial.p50Ms(), partial.p95Ms(), partial.p99Ms(),
                partial.peakHeapBytes(), partial.offheapBytes(), partial.kvCacheBytes(), spec);
    }

    /** Median of three one-token target forwards at the end of the context, rolled back afterwards. */
    private double targetStepMs(GenerationRecorder rec) {
        int len = cache.length();
        if (len + 1 > cache.capacity() || rec.length == 0) return Double.NaN;
        double[] t = new double[3];
        for (int i = 0; i < t.length; i++) {
            long s = System.nanoTime();
            target.forward(rec.context, rec.length - 1, 1, cache, false);
            t[i] = (System.nanoTime() - s) / 1e6;
            cache.rollback(len);
        }
        java.util.Arrays.sort(t);
        return t[1];
    }

    @Override
    public void close() {
        cache.close();
    }
}
