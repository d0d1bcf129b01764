package specdec.tests;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import specdec.engine.backend.cpu.CpuBackend;
import specdec.engine.decode.GenerationOptions;
import specdec.engine.decode.GenerationResult;
import specdec.engine.decode.ModelDrafter;
import specdec.engine.kv.KvCache;
import specdec.engine.tensor.DType;
import specdec.models.ModelLoader;
import specdec.models.TransformerModel;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Models quantised at load: their logits stay near the float model's (Q8_0 closer than Q4_0),
 * a 5-token forward equals five one-token steps bit for bit (so do the tiled BF16 and F16
 * models), and a quantised copy of the target is an exact self-speculation draft.
 */
class QuantizedModelTest {
    static CpuBackend backend;
    static TransformerModel gpt2, gpt2Q8, gpt2Q4, gpt2F16, llama, llamaQ8, llamaBf16;

    @BeforeAll
    static void load() {
        backend = new CpuBackend(2);
        gpt2 = ModelLoader.load(TestModels.get("gpt2-tiny", DType.F32), backend);
        gpt2Q8 = ModelLoader.load(TestModels.get("gpt2-tiny", DType.F32), backend, DType.Q8_0);
        gpt2Q4 = ModelLoader.load(TestModels.get("gpt2-tiny", DType.F32), backend, DType.Q4_0);
        llama = ModelLoader.load(TestModels.get("llama-tiny", DType.F32), backend);
        llamaQ8 = ModelLoader.load(TestModels.get("llama-tiny", DType.F32), backend, DType.Q8_0);
        gpt2F16 = ModelLoader.load(TestModels.get("gpt2-tiny", DType.F32), backend, DType.F16);
        llamaBf16 = ModelLoader.load(TestModels.get("llama-tiny", DType.BF16), backend);
    }

    @AfterAll
    static void close() {
        for (TransformerModel m : new TransformerModel[] {gpt2, gpt2Q8, gpt2Q4, gpt2F16, llama, llamaQ8, llamaBf16}) m.close();
        backend.close();
    }

    private static float[] logits(TransformerModel m, int[] ids) {
        try (KvCache c = m.newCache(ids.length)) {
            return m.forward(ids, 0, ids.length, c, false).data().clone();
        }
    }

    /** rms(quantised - float) / rms(float) over every position's logits. */
    private static double relativeRms(float[] q, float[] f) {
        double d = 0, n = 0;
        for (int i = 0; i < f.length; i++) {
            d += (q[i] - f[i]) * (double) (q[i] - f[i]);
            n += f[i] * (double) f[i];
        }
        return Math.sqrt(d / n);
    }

    @Test
    void quantisedLogitsStayCloseToTheFloatModel() {
        int[] ids = TestModels.randomIds(new Random(1), 24, gpt2.vocabSize());
        float[] f = logits(gpt2, ids);
        double q8 = relativeRms(logits(gpt2Q8, ids), f), q4 = relativeRms(logits(gpt2Q4, ids), f);
        // Q8_0 keeps 8 bits per weight, Q4_0 four: the error must be small and grow as bits go
        assertThat(q8).isPositive().isLessThan(0.05);
        assertThat(q4).isGreaterThan(q8).isLessThan(0.6);
        double llamaQ8Err = relativeRms(logits(llamaQ8, ids), logits(llama, ids));
        assertThat(llamaQ8Err).isPositive().isLessThan(0.05);
    }

    @Test
    void rowsThatAreNotWholeBlocksKeepTheirDtype() {
        // llama-tiny's down projection has 176 columns (5.5 blocks); the rest is quantised
        assertThat(llamaQ8.keptUnquantised()).isEqualTo(llama.config().layers());
        assertThat(gpt2Q8.keptUnquantised()).isZero();
    }

    @Test
    void aFiveTokenForwardEqualsFiveSteps() {
        int[] ids = TestModels.randomIds(new Random(2), 12, gpt2.vocabSize());
        for (TransformerModel m : new TransformerModel[] {gpt2Q8, gpt2Q4, llamaQ8, gpt2F16, llamaBf16}) {
            float[] block;
            try (KvCache c = m.newCache(ids.length)) {
                m.forward(ids, 0, 7, c, false);
                block = m.forward(ids, 7, 5, c, false).data().clone();
            }
            try (KvCache c = m.newCache(ids.length)) {
                m.forward(ids, 0, 7, c, false);
                int v = m.vocabSize();
                for (int t = 0; t < 5; t++) {
                    float[] one = m.forward(ids, 7 + t, 1, c, false).data();
                    for (int i = 0; i < v; i++) {
                        assertThat(Float.floatToRawIntBits(one[i])).as("%s t=%d i=%d", m.config(), t, i)
                                .isEqualTo(Float.floatToRawIntBits(block[t * v + i]));
                    }
                }
            }
        }
    }

    @Test
    void aQuantisedCopyIsAnExactSelfSpeculationDraft() {
        int[] prompt = TestModels.randomIds(new Random(3), 8, gpt2.vocabSize());
        GenerationOptions o = SpeculativeDecodingTest.greedy(48);
        int cap = prompt.length + 48;
        GenerationResult want = SpeculativeDecodingTest.ar(gpt2, prompt, o, cap);
        for (TransformerModel draft : new TransformerModel[] {gpt2Q8, gpt2Q4}) {
            GenerationResult got = SpeculativeDecodingTest.sd(gpt2, new ModelDrafter(draft, cap, 4), 4, prompt, o, cap);
            assertThat(got.generatedIds()).containsExactly(want.generatedIds());
            SpeculativeDecodingTest.assertCountsConsistent(got);
            assertThat(got.speculation().accepted()).as("%s accepted", draft.quantization()).isPositive();
        }
    }
}
