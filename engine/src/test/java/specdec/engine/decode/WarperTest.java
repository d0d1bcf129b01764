package specdec.engine.decode;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class WarperTest {
    private static final float[] LOGITS = {2f, 1f, 0f, -1f, 3f, 1f};

    private static double[] softmax(double[] x) {
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (double v : x) max = Math.max(max, v);
        double[] p = new double[x.length];
        for (int i = 0; i < x.length; i++) sum += p[i] = Double.isInfinite(x[i]) ? 0 : Math.exp(x[i] - max);
        for (int i = 0; i < x.length; i++) p[i] /= sum;
        return p;
    }

    private static float[] warp(SamplingParams params) {
        float[] out = new float[LOGITS.length];
        new Warper(LOGITS.length).probabilities(LOGITS, 0, params, out);
        return out;
    }

    @Test
    void temperatureScalesLogitsBeforeSoftmax() {
        double[] x = new double[LOGITS.length];
        for (int i = 0; i < x.length; i++) x[i] = LOGITS[i] / 0.5;
        double[] want = softmax(x);
        float[] got = warp(new SamplingParams(0.5, 0, 1));
        for (int i = 0; i < want.length; i++) assertThat((double) got[i]).isCloseTo(want[i], within(1e-6));
    }

    @Test
    void topKKeepsTheKLargestAndTheirTies() {
        float[] got = warp(new SamplingParams(1, 3, 1));
        // the three largest logits are 3, 2 and the tie 1, 1: HF keeps everything >= the 3rd largest value
        double[] want = softmax(new double[] {2, 1, Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY, 3, 1});
        for (int i = 0; i < want.length; i++) assertThat((double) got[i]).isCloseTo(want[i], within(1e-6));
    }

    @Test
    void topPKeepsTheSmallestHeadReachingP() {
        double[] p = softmax(new double[] {2, 1, 0, -1, 3, 1});
        // p: 3 -> 0.586, 2 -> 0.216, 1 and 1 -> 0.079 each, 0 -> 0.029, -1 -> 0.011.
        // top_p 0.7 drops a tail of at most 0.3 and keeps {3, 2}; top_p 0.85 drops at most 0.15,
        // which reaches into the tied 1s: ties at the threshold are kept together.
        float[] got = warp(new SamplingParams(1, 0, 0.7));
        double head = p[4] + p[0];
        assertThat((double) got[4]).isCloseTo(p[4] / head, within(1e-6));
        assertThat((double) got[0]).isCloseTo(p[0] / head, within(1e-6));
        assertThat(got[1]).isZero();
        assertThat(got[2]).isZero();
        float[] wider = warp(new SamplingParams(1, 0, 0.85));
        assertThat(wider[1]).isPositive();
        assertThat(wider[5]).isPositive();
        assertThat(wider[2]).isZero();
    }

    @Test
    void greedyIsAPointMassOnTheFirstMaximum() {
        float[] got = warp(SamplingParams.greedy());
        assertThat(got).containsExactly(0f, 0f, 0f, 0f, 1f, 0f);
        assertThat(Sampling.argmax(new float[] {1, 5, 5}, 0, 3)).isEqualTo(1);
    }
}
