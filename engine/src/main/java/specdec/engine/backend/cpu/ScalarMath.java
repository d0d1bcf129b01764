package specdec.engine.backend.cpu;

/** Scalar functions Java's Math lacks. */
public final class ScalarMath {
    private ScalarMath() {}

    /**
     * The error function by Abramowitz and Stegun 7.1.26: absolute error below 1.5e-7, within
     * float's resolution of GELU's output.
     */
    public static double erf(double x) {
        double sign = x < 0 ? -1 : 1;
        double a = Math.abs(x);
        double t = 1.0 / (1.0 + 0.3275911 * a);
        double y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
        return sign * y;
    }

    public static float geluTanh(float x) {
        double u = 0.7978845608028654 * (x + 0.044715 * x * x * x);
        return (float) (0.5 * x * (1.0 + Math.tanh(u)));
    }

    public static float geluErf(float x) {
        return (float) (0.5 * x * (1.0 + erf(x * 0.7071067811865476)));
    }

    public static float silu(float x) {
        return (float) (x / (1.0 + Math.exp(-x)));
    }
}
