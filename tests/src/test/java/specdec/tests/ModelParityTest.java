package specdec.tests;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import specdec.engine.backend.cpu.CpuBackend;
import specdec.engine.kv.KvCache;
import specdec.engine.model.Logits;
import specdec.engine.tensor.DType;
import specdec.models.ModelLoader;
import specdec.models.TransformerModel;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Whole-model logits against the double-precision reference, at every position. */
class ModelParityTest {
    static CpuBackend backend;

    @BeforeAll
    static void start() {
        backend = new CpuBackend(2);
    }

    @AfterAll
    static void stop() {
        backend.close();
    }

    static Stream<Arguments> models() {
        return Stream.of(
                Arguments.of("gpt2-tiny", DType.F32, 128),
                Arguments.of("gpt2-tiny", DType.BF16, 40),
                Arguments.of("gpt2-tiny", DType.F16, 40),
                Arguments.of("gpt2-erf", DType.F32, 64),
                Arguments.of("llama-tiny", DType.F32, 100),
                Arguments.of("llama-tiny", DType.BF16, 40),
                Arguments.of("llama-rope3", DType.F32, 200),
                Arguments.of("llama-bias-tied", DType.F32, 96));
    }

    /** Asserts |got - want| <= rel * |want| + a floor of rel * 1% of the row's largest logit. */
    static void assertLogitsClose(Logits got, int row, double[] want, double rel) {
        double max = 0;
        for (double v : want) max = Math.max(max, Math.abs(v));
        for (int v = 0; v < want.length; v++) {
            double tol = rel * (Math.abs(want[v]) + 0.01 * max);
            assertThat((double) got.get(row, v)).as("position %d token %d", row, v).isCloseTo(want[v], org.assertj.core.data.Offset.offset(tol));
        }
    }

    @ParameterizedTest(name = "{0} {1} T={2}")
    @MethodSource("models")
    void logitsMatchReferenceAtEveryPosition(String name, DType dtype, int T) throws IOException {
        Path dir = TestModels.get(name, dtype);
        ReferenceForward ref = new ReferenceForward(dir);
        try (TransformerModel m = ModelLoader.load(dir, backend)) {
            int[] ids = TestModels.randomIds(new Random(T), T, m.vocabSize());
            double[][] want = ref.logits(ids);
            try (KvCache cache = m.newCache(T)) {
                Logits got = m.forward(ids, cache);
                assertThat(got.rows()).isEqualTo(T);
                assertThat(cache.length()).isEqualTo(T);
                for (int t = 0; t < T; t++) assertLogitsClose(got, t, want[t], 1e-4);
            }
        }
    }
}
