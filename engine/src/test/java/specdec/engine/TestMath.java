package specdec.engine;

/** Reference math for tests, independent of the code under test. */
public final class TestMath {
    private TestMath() {}

    /** erf by its Taylor series: exact to double rounding for |x| < 6, and +-1 beyond. */
    public static double erf(double x) {
        if (Math.abs(x) > 6) return Math.signum(x);
        double sum = 0, term = x;
        for (int n = 0; n < 400; n++) {
            sum += term / (2 * n + 1);
            term *= -x * x / (n + 1);
        }
        return 2 / Math.sqrt(Math.PI) * sum;
    }
}
