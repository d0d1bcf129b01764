package specdec.engine.metrics;

/** The expected-value model of Leviathan et al. (2023) for speculative decoding. */
public final class SpeedupModel {
    private SpeedupModel() {}

    /** Expected tokens per round when each draft token is accepted with probability a: (1 - a^(K+1)) / (1 - a). */
    public static double tokensPerRound(double a, int k) {
        if (a >= 1) return k + 1;
        return (1 - Math.pow(a, k + 1)) / (1 - a);
    }

    /** Expected wall-time speedup over autoregressive decoding with cost ratio c = t_draft / t_target. */
    public static double speedup(double a, int k, double c) {
        return tokensPerRound(a, k) / (c * k + 1);
    }
}
