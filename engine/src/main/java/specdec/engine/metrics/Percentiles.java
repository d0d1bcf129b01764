package specdec.engine.metrics;

import java.util.Arrays;

/** Nearest-rank percentiles of a sample. */
public final class Percentiles {
    private Percentiles() {}

    /** The p-th percentile (0 < p <= 100) of the first n values; NaN for no values. */
    public static double of(double[] values, int n, double p) {
        if (n == 0) return Double.NaN;
        double[] s = Arrays.copyOf(values, n);
        Arrays.sort(s);
        int rank = (int) Math.ceil(p / 100.0 * n);
        return s[Math.max(0, Math.min(n - 1, rank - 1))];
    }
}
