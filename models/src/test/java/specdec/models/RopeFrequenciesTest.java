package specdec.models;

import org.junit.jupiter.api.Test;
import specdec.models.llama.RopeFrequencies;
import specdec.models.llama.RopeScaling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class RopeFrequenciesTest {
    @Test
    void plainFrequenciesFollowThetaPowers() {
        float[] inv = RopeFrequencies.of(8, 10000, null);
        for (int i = 0; i < 4; i++) assertThat((double) inv[i]).isCloseTo(Math.pow(10000, -2.0 * i / 8), within(1e-7));
    }

    @Test
    void llama3ScalingKeepsHighSlowsLowAndBlendsTheBand() {
        int hd = 128;
        double theta = 500000, factor = 8, low = 1, high = 4, old = 8192;
        float[] inv = RopeFrequencies.of(hd, theta, RopeScaling.llama3(factor, low, high, (int) old));
        int kept = 0, slowed = 0, blended = 0;
        for (int i = 0; i < hd / 2; i++) {
            double f = Math.pow(theta, -2.0 * i / hd), wavelen = 2 * Math.PI / f, want;
            if (wavelen < old / high) {
                want = f;
                kept++;
            } else if (wavelen > old / low) {
                want = f / factor;
                slowed++;
            } else {
                double s = (old / wavelen - low) / (high - low);
                want = (1 - s) * f / factor + s * f;
                blended++;
            }
            assertThat((double) inv[i]).as("dim %d", i).isCloseTo(want, within(2e-6 * want + 1e-12));
        }
        assertThat(kept).isPositive();
        assertThat(slowed).isPositive();
        assertThat(blended).isPositive();
    }
}
