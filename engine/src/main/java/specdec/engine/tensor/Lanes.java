package specdec.engine.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Sums the lanes of a vector in one fixed order (halving rotations). The Vector API leaves the
 * order of reduceLanes(ADD) open, and interpreted and compiled code do differ; a fixed order
 * makes every dot product the same bits whether it runs for one token or for K + 1, and
 * before or after the JIT compiles it. That is what lets greedy speculative decoding
 * reproduce autoregressive output exactly.
 */
public final class Lanes {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorShuffle<Float>[] ROTATIONS;

    static {
        int steps = Integer.numberOfTrailingZeros(F.length());
        @SuppressWarnings("unchecked")
        VectorShuffle<Float>[] r = new VectorShuffle[steps];
        for (int s = 0; s < steps; s++) r[s] = VectorShuffle.iota(F, F.length() >> (s + 1), 1, true);
        ROTATIONS = r;
    }

    private Lanes() {}

    public static float sum(FloatVector v) {
        for (VectorShuffle<Float> rotation : ROTATIONS) v = v.add(v.rearrange(rotation));
        return v.lane(0);
    }
}
