package specdec.engine.decode;

/** Pearson's goodness-of-fit statistic and an approximate critical value, for the sampling tests. */
public final class ChiSquare {
    private ChiSquare() {}

    /** Statistic and degrees of freedom, pooling categories whose expected count is below 5. */
    public static double[] statistic(long[] observed, double[] probabilities, long n) {
        double stat = 0, pooledExpected = 0;
        long pooledObserved = 0;
        int cells = 0;
        for (int i = 0; i < observed.length; i++) {
            double e = probabilities[i] * n;
            if (e < 5) {
                pooledExpected += e;
                pooledObserved += observed[i];
                continue;
            }
            stat += (observed[i] - e) * (observed[i] - e) / e;
            cells++;
        }
        if (pooledExpected > 0) {
            if (pooledExpected >= 1) {
                stat += (pooledObserved - pooledExpected) * (pooledObserved - pooledExpected) / pooledExpected;
                cells++;
            } else if (pooledObserved > 5) {
                stat += Double.POSITIVE_INFINITY; // mass where the target has almost none
            }
        }
        return new double[] {stat, Math.max(1, cells - 1)};
    }

    /** Wilson–Hilferty upper quantile of chi-square with {@code dof} degrees of freedom at normal quantile z. */
    public static double critical(double dof, double z) {
        double a = 2.0 / (9 * dof);
        return dof * Math.pow(1 - a + z * Math.sqrt(a), 3);
    }

    /** z for an upper tail of 0.001. */
    public static final double Z_001 = 3.0902;
}
