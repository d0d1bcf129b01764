package specdec.tests;

import org.junit.jupiter.api.Test;
import specdec.engine.backend.cpu.CpuBackend;
import specdec.engine.io.OffHeap;
import specdec.engine.tensor.DType;
import specdec.models.ModelLoader;
import specdec.models.TransformerModel;
import specdec.models.gpt2.Gpt2Config;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The native memory a run reports (`generate --json`'s memory figure) counts quantised weights
 * while the model is open, and nothing of the transient copies made while loading it.
 */
class NativeMemoryAccountingTest {

    @Test
    void aQuantisedModelCountsItsBlocksAndReleasesThemOnClose() {
        long before = OffHeap.nativeBytes();
        try (CpuBackend backend = new CpuBackend(1)) {
            TransformerModel m = ModelLoader.load(TestModels.get("gpt2-tiny", DType.F32), backend, DType.Q8_0);
            Gpt2Config c = (Gpt2Config) m.config();
            long d = c.nEmbd(), inner = c.nInner();
            // wte (also the output layer) and, per layer, the q/k/v, output, and two MLP matrices
            long weights = c.vocabSize() * d + c.nLayer() * (3 * d * d + d * d + 2 * d * inner);
            assertThat(m.keptUnquantised()).isZero();
            assertThat(OffHeap.nativeBytes() - before).isEqualTo(weights / DType.BLOCK * 34);
            m.close();
        }
        assertThat(OffHeap.nativeBytes()).isEqualTo(before);
    }
}
