package specdec.engine.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Sums the lanes of vectors in one fixed order: a halving tree, lane l with lane l + N/2, then
 * N/4, and so on. The Vector API leaves the order of reduceLanes(ADD) open, and interpreted and
 * compiled code do differ; a fixed order makes every dot product the same bits whether it runs
 * for one token or for K + 1, and before or after the JIT compiles it. That is what lets greedy
 * speculative decoding reproduce autoregressive output exactly.
 *
 * <p>{@link #sum4} reduces four vectors at once by interleaving them (blend, swap, add): the
 * same additions in the same tree as {@link #sum} on each, in about a third of the
 * operations, and few enough nodes that the JIT inlines it into the kernels whole.
 */
public final class Lanes {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int N = F.length();

    // level k adds lanes h = N >> k apart; a constant per level lets C2 emit one permute each
    private static final VectorShuffle<Float> SWAP1 = swap(N >> 1), SWAP2 = swap(N >> 2), SWAP3 = swap(N >> 3), SWAP4 = swap(N >> 4), SWAP5 = swap(N >> 5);
    private static final VectorMask<Float> HIGH1 = high(N >> 1), HIGH2 = high(N >> 2);

    /** The lane of {@link #sum4}'s result that holds the sum of its k-th argument. */
    public static final int P0, P1, P2, P3;

    static {
        if (N < 4 || N > 32) throw new ExceptionInInitializerError("specdec's kernels need 4 to 32 float lanes; this CPU's preferred vector has " + N);
        FloatVector s = sum4(FloatVector.broadcast(F, 1f), FloatVector.broadcast(F, 2f), FloatVector.broadcast(F, 4f), FloatVector.broadcast(F, 8f));
        int[] at = new int[4];
        for (int l = 0; l < N; l++) {
            int k = Integer.numberOfTrailingZeros((int) (s.lane(l) / N));
            if (s.lane(l) == N * (float) (1 << k)) at[k] = l;
        }
        P0 = at[0];
        P1 = at[1];
        P2 = at[2];
        P3 = at[3];
    }

    private Lanes() {}

    /** l -> l ^ h: swaps neighbouring blocks of h lanes (identity when h is 0). */
    private static VectorShuffle<Float> swap(int h) {
        return VectorShuffle.fromOp(F, l -> h == 0 ? l : l ^ h);
    }

    /** Lanes with bit h set. */
    private static VectorMask<Float> high(int h) {
        boolean[] bits = new boolean[N];
        for (int l = 0; l < N; l++) bits[l] = h != 0 && (l & h) != 0;
        return VectorMask.fromArray(F, bits, 0);
    }

    /** One level for two vectors at once: v's pair sums where bit h is clear, w's where it is set. */
    private static FloatVector pair(FloatVector v, FloatVector w, VectorMask<Float> high, VectorShuffle<Float> swap) {
        return v.blend(w, high).add(w.blend(v, high).rearrange(swap));
    }

    private static FloatVector self(FloatVector v, VectorShuffle<Float> swap) {
        return v.add(v.rearrange(swap));
    }

    public static float sum(FloatVector v) {
        v = self(v, SWAP1);
        v = self(v, SWAP2);
        if (N >= 8) v = self(v, SWAP3);
        if (N >= 16) v = self(v, SWAP4);
        if (N >= 32) v = self(v, SWAP5);
        return v.lane(0);
    }

    /** The lane sums of a0..a3, each added as {@link #sum} adds it, in lanes P0..P3 of the result. */
    public static FloatVector sum4(FloatVector a0, FloatVector a1, FloatVector a2, FloatVector a3) {
        FloatVector v = pair(pair(a0, a1, HIGH1, SWAP1), pair(a2, a3, HIGH1, SWAP1), HIGH2, SWAP2);
        if (N >= 8) v = self(v, SWAP3);
        if (N >= 16) v = self(v, SWAP4);
        if (N >= 32) v = self(v, SWAP5);
        return v;
    }
}
