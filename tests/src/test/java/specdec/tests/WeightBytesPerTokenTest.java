package specdec.tests;

import org.junit.jupiter.api.Test;
import specdec.engine.backend.cpu.CpuBackend;
import specdec.engine.tensor.DType;
import specdec.models.ModelLoader;
import specdec.models.TransformerModel;
import specdec.models.gpt2.Gpt2Config;
import specdec.models.llama.LlamaConfig;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The weight bytes a one-token forward reads (bench-decode's GB/s figure), against a count made
 * here from the config: every tensor except the embedding tables, plus one row of each; a tied
 * output layer counts the whole token table.
 */
class WeightBytesPerTokenTest {

    @Test
    void gpt2CountsLayersOutputLayerAndOneRowPerTable() {
        Gpt2Config c = (Gpt2Config) TestModels.CONFIGS.get("gpt2-tiny");
        long d = c.nEmbd(), inner = c.nInner();
        long matrices = c.nLayer() * (3 * d * d + d * d + 2 * d * inner) + c.vocabSize() * d;
        long vectors = c.nLayer() * (4 * d + 3 * d + d + inner + d) + 2 * d;
        try (CpuBackend backend = new CpuBackend(1);
             TransformerModel f32 = ModelLoader.load(TestModels.get("gpt2-tiny", DType.F32), backend, null);
             TransformerModel q8 = ModelLoader.load(TestModels.get("gpt2-tiny", DType.F32), backend, DType.Q8_0)) {
            // tied: the token table is the output layer, and its looked-up row is read once more
            assertThat(f32.weightBytesPerToken()).isEqualTo(4 * (matrices + vectors + d + d));
            // the matrices and the token table's row in 34-byte blocks of 32; the position row and vectors stay f32
            assertThat(q8.weightBytesPerToken()).isEqualTo(matrices / 32 * 34 + d / 32 * 34 + 4 * (vectors + d));
        }
    }

    @Test
    void llamaCountsBiasesWhenPresentAndTheOutputLayer() {
        for (String name : new String[] {"llama-tiny", "llama-bias-tied"}) {
            LlamaConfig c = (LlamaConfig) TestModels.CONFIGS.get(name);
            long d = c.hiddenSize(), q = c.qDim(), kv = c.kvDim(), inner = c.intermediateSize();
            long perLayer = 2 * d + q * d + 2 * kv * d + d * q + 3 * d * inner
                    + (c.attentionBias() ? q + 2 * kv + d : 0) + (c.mlpBias() ? 2 * inner + d : 0);
            long elements = c.numHiddenLayers() * perLayer + d + c.vocabSize() * d + d;
            try (CpuBackend backend = new CpuBackend(1);
                 TransformerModel m = ModelLoader.load(TestModels.get(name, DType.BF16), backend, null)) {
                assertThat(m.weightBytesPerToken()).as(name).isEqualTo(2 * elements);
            }
        }
    }
}
