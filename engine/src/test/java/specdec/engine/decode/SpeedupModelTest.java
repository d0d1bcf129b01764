package specdec.engine.decode;

import org.junit.jupiter.api.Test;
import specdec.engine.metrics.SpeedupModel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class SpeedupModelTest {
    @Test
    void matchesTheClosedFormAndItsLimits() {
        // a = 0.8, K = 4: (1 - 0.8^5) / 0.2 = 3.3616; with c = 0.1: 3.3616 / 1.4
        assertThat(SpeedupModel.tokensPerRound(0.8, 4)).isCloseTo(3.3616, within(1e-9));
        assertThat(SpeedupModel.speedup(0.8, 4, 0.1)).isCloseTo(3.3616 / 1.4, within(1e-9));
        assertThat(SpeedupModel.tokensPerRound(1.0, 4)).isEqualTo(5);
        assertThat(SpeedupModel.tokensPerRound(0.0, 4)).isEqualTo(1);
    }

    @Test
    void benchmarkConfigHashIsStableAndSensitive() {
        BenchmarkConfig a = new BenchmarkConfig("gpt2 -> gpt2-xl", 4, 0.7, 0, 1, 64, "news", 1);
        assertThat(a.hash()).hasSize(12).isEqualTo(new BenchmarkConfig("gpt2 -> gpt2-xl", 4, 0.7, 0, 1, 64, "news", 1).hash());
        assertThat(a.hash()).isNotEqualTo(new BenchmarkConfig("gpt2 -> gpt2-xl", 5, 0.7, 0, 1, 64, "news", 1).hash());
    }
}
