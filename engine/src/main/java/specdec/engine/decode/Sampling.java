package specdec.engine.decode;

import java.util.random.RandomGenerator;

/** Drawing a token from a distribution, and argmax. */
public final class Sampling {
    private Sampling() {}

    /** The first index of the largest value, as torch.argmax picks. */
    public static int argmax(float[] a, int offset, int n) {
        int best = 0;
        float bv = a[offset];
        for (int i = 1; i < n; i++) {
            if (a[offset + i] > bv) {
                bv = a[offset + i];
                best = i;
            }
        }
        return best;
    }

    /** Inverse-CDF draw from non-negative weights (they need not sum to one). */
    public static int sample(float[] weights, int n, RandomGenerator rng) {
        double total = 0;
        for (int i = 0; i < n; i++) total += weights[i];
        double u = rng.nextDouble() * total;
        double cumulative = 0;
        int last = -1;
        for (int i = 0; i < n; i++) {
            if (weights[i] <= 0) continue;
            cumulative += weights[i];
            last = i;
            if (u < cumulative) return i;
        }
        if (last < 0) throw new IllegalStateException("no token has positive probability");
        return last;
    }
}
