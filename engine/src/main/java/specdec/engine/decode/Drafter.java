package specdec.engine.decode;

import java.util.random.RandomGenerator;

/** Proposes the next tokens of a context for the target to verify. */
public interface Drafter extends AutoCloseable {
    /** Starts a new sequence whose first {@code n} tokens are known (the prompt minus its last token). */
    void prefill(int[] context, int n);

    /**
     * Proposes up to {@code k} tokens continuing {@code context[0 .. n)} into {@code out} and
     * returns how many. With a sampling {@code params} the tokens are drawn from the warped
     * draft distribution, kept for {@link #q}.
     */
    int propose(int[] context, int n, int k, SamplingParams params, RandomGenerator rng, int[] out);

    /** The distribution proposal {@code i} was drawn from, or null when the proposal was deterministic. */
    float[] q(int i);

    /** How many proposals may follow a context of {@code n} tokens (its own context limit). */
    int maxDraft(int n);

    /** Forward passes run so far, for the cost ratio. */
    long forwards();

    String name();

    /** Bytes of the drafter's own KV cache (0 when it has none). */
    default long cacheBytes() {
        return 0;
    }

    @Override
    default void close() {}
}
