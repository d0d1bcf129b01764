package specdec.engine.backend.cpu;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import specdec.engine.TestWeights;
import specdec.engine.backend.Activation;
import specdec.engine.kv.KvCache;
import specdec.engine.tensor.DType;
import specdec.engine.tensor.WeightTensor;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Each CPU op against a plain scalar loop in double precision. */
class CpuBackendOpsTest {
    static CpuBackend backend;
    final Random rng = new Random(11);

    @BeforeAll
    static void start() {
        backend = new CpuBackend(3);
    }

    @AfterAll
    static void stop() {
        backend.close();
    }

    private CpuTensor tensor(int rows, int cols, double std) {
        return new CpuTensor(TestWeights.gaussian(rng, rows * cols, std), rows, cols);
    }

    private static void assertClose(float[] got, double[] want, double tol) {
        for (int i = 0; i < want.length; i++) {
            assertThat((double) got[i]).as("index %d", i).isCloseTo(want[i], within(tol * (1 + Math.abs(want[i]))));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 5, 17})
    void matmulSplitsRowsAcrossWorkers(int T) {
        int in = 50, out = 301;
        WeightTensor w = TestWeights.of(DType.F32, out, in, TestWeights.gaussian(rng, out * in, 0.3));
        CpuTensor x = tensor(T, in, 1), y = new CpuTensor(T, out);
        backend.matmul(y, x, w, T);
        double[] want = new double[T * out];
        for (int t = 0; t < T; t++)
            for (int j = 0; j < out; j++) {
                double s = 0;
                for (int i = 0; i < in; i++) s += (double) w.get((long) j * in + i) * x.data()[t * in + i];
                want[t * out + j] = s;
            }
        assertClose(y.data(), want, 1e-5);
    }

    /**
     * Formats that read their inputs in another form (Q4_0 block sums, F16 scaled inputs; Q8_0
     * and F32 read them as they are) have each worker make them once per matmul: two matmuls in
     * a row over the same input tensor with new values give the bits of the weight's own
     * one-thread matmul each time.
     */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"Q8_0", "Q4_0", "F16", "F32"})
    void eachMatmulPreparesItsOwnInputs(DType kind) {
        int in = 64, out = 640, T = 5;
        WeightTensor rows = kind == DType.F16 || kind == DType.F32
                ? TestWeights.of(kind, out, in, TestWeights.gaussian(rng, out * in, 0.3))
                : specdec.engine.tensor.Quantize.of(TestWeights.of(DType.F32, out, in, TestWeights.gaussian(rng, out * in, 0.3)), kind, java.lang.foreign.Arena.ofAuto());
        WeightTensor w = switch (kind) {
            case Q8_0 -> specdec.engine.tensor.Q8Tiles.of(rows, java.lang.foreign.Arena.ofAuto());
            case Q4_0 -> specdec.engine.tensor.Q4Tiles.of(rows, java.lang.foreign.Arena.ofAuto());
            case F16 -> specdec.engine.tensor.F16Tiles.of(rows, java.lang.foreign.Arena.ofAuto());
            default -> specdec.engine.tensor.F32Tiles.of(rows, java.lang.foreign.Arena.ofAuto());
        };
        assertThat(w).isNotSameAs(rows);
        CpuTensor x = new CpuTensor(T, in), y = new CpuTensor(T, out);
        for (int round = 0; round < 3; round++) {
            float[] values = TestWeights.gaussian(rng, T * in, 1 + round * 1000);
            System.arraycopy(values, 0, x.data(), 0, values.length);
            for (int t : new int[] {T, 1}) {
                backend.matmul(y, x, w, t);
                float[] want = new float[t * out];
                w.matmul(x.data(), in, t, want, out, 0, out);
                assertThat(java.util.Arrays.copyOf(y.data(), t * out)).as("round %d, T=%d", round, t).containsExactly(want);
            }
        }
    }

    /**
     * Matrices over one input in one dispatch (q, k and v; gate and up) give each the bits of its
     * own one-thread matmul: tiles of different formats and row groups (F16 with its scaled inputs
     * between two Q4_0 with their block sums), row counts off the groups, and one matrix kept in rows.
     */
    @Test
    void matmulsOverOneInputGiveEachMatrixItsOwnBits() {
        int in = 64, T = 5;
        java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofAuto();
        WeightTensor q4 = specdec.engine.tensor.Q4Tiles.of(specdec.engine.tensor.Quantize.of(
                TestWeights.of(DType.F32, 200, in, TestWeights.gaussian(rng, 200 * in, 0.3)), DType.Q4_0, arena), arena);
        WeightTensor f16 = specdec.engine.tensor.F16Tiles.of(TestWeights.of(DType.F16, 96, in, TestWeights.gaussian(rng, 96 * in, 0.3)), arena);
        WeightTensor q4b = specdec.engine.tensor.Q4Tiles.of(specdec.engine.tensor.Quantize.of(
                TestWeights.of(DType.F32, 130, in, TestWeights.gaussian(rng, 130 * in, 0.3)), DType.Q4_0, arena), arena);
        WeightTensor rows = TestWeights.of(DType.F32, 37, in, TestWeights.gaussian(rng, 37 * in, 0.3));
        for (WeightTensor[] w : new WeightTensor[][] {{q4, f16, q4b}, {f16, q4}, {q4, rows}}) {
            CpuTensor x = tensor(T, in, 2);
            CpuTensor[] y = new CpuTensor[w.length];
            for (int i = 0; i < w.length; i++) y[i] = new CpuTensor(T, w[i].rows());
            for (int t : new int[] {T, 1}) {
                backend.matmuls(y, x, w, t);
                for (int i = 0; i < w.length; i++) {
                    float[] want = new float[t * w[i].rows()];
                    w[i].matmul(x.data(), in, t, want, w[i].rows(), 0, w[i].rows());
                    assertThat(java.util.Arrays.copyOf(y[i].data(), t * w[i].rows())).as("%s, T=%d", w[i].name(), t).containsExactly(want);
                }
            }
        }
    }

    @Test
    void layerNormMatchesDefinition() {
        int T = 3, d = 37;
        CpuTensor x = tensor(T, d, 2), y = new CpuTensor(T, d);
        float[] g = TestWeights.gaussian(rng, d, 1), b = TestWeights.gaussian(rng, d, 1);
        backend.layerNorm(y, x, TestWeights.of(DType.F32, 1, d, g), TestWeights.of(DType.F32, 1, d, b), 1e-5f, T);
        double[] want = new double[T * d];
        for (int t = 0; t < T; t++) {
            double mean = 0, var = 0;
            for (int i = 0; i < d; i++) mean += x.data()[t * d + i];
            mean /= d;
            for (int i = 0; i < d; i++) var += Math.pow(x.data()[t * d + i] - mean, 2);
            var /= d;
            for (int i = 0; i < d; i++) want[t * d + i] = (x.data()[t * d + i] - mean) / Math.sqrt(var + 1e-5) * g[i] + b[i];
        }
        assertClose(y.data(), want, 1e-5);
    }

    @Test
    void rmsNormMatchesDefinition() {
        int T = 2, d = 45;
        CpuTensor x = tensor(T, d, 2), y = new CpuTensor(T, d);
        float[] g = TestWeights.gaussian(rng, d, 1);
        backend.rmsNorm(y, x, TestWeights.of(DType.BF16, 1, d, g), 1e-6f, T);
        WeightTensor gs = TestWeights.of(DType.BF16, 1, d, g);
        double[] want = new double[T * d];
        for (int t = 0; t < T; t++) {
            double ms = 0;
            for (int i = 0; i < d; i++) ms += Math.pow(x.data()[t * d + i], 2);
            ms /= d;
            for (int i = 0; i < d; i++) want[t * d + i] = x.data()[t * d + i] / Math.sqrt(ms + 1e-6) * gs.get(i);
        }
        assertClose(y.data(), want, 1e-5);
    }

    @Test
    void ropeRotatesHalvesByPositionTimesFrequency() {
        int T = 3, heads = 2, hd = 8, pos0 = 40;
        CpuTensor x = tensor(T, heads * hd, 1);
        float[] orig = x.data().clone();
        float[] inv = {1f, 0.1f, 0.01f, 0.001f};
        backend.rope(x, heads, hd, inv, pos0, T);
        double[] want = new double[orig.length];
        for (int t = 0; t < T; t++)
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < hd / 2; i++) {
                    int a = t * heads * hd + h * hd + i, b = a + hd / 2;
                    double ang = (pos0 + t) * (double) inv[i];
                    want[a] = orig[a] * Math.cos(ang) - orig[b] * Math.sin(ang);
                    want[b] = orig[b] * Math.cos(ang) + orig[a] * Math.sin(ang);
                }
        assertClose(x.data(), want, 1e-5);
    }

    /**
     * Head sizes off the vector width (20; 6, off four too: the key blocks' last dimensions) and
     * on it (64, 128: the register-sum path); contexts short and long (the softmax over many
     * vectors of positions, with a tail; one key block, pairs of them, and a lone last one).
     */
    @ParameterizedTest(name = "T={0} hd={1} pos0={2}")
    @org.junit.jupiter.params.provider.CsvSource({"1,20,6", "4,20,6", "5,6,21", "1,6,47", "1,64,37", "5,64,37", "5,128,9", "1,128,3", "5,64,300", "1,20,517"})
    void groupedQueryAttentionOverTheCache(int T, int hd, int pos0) {
        int heads = 4, kvHeads = 2, kvDim = kvHeads * hd;
        float scale = 0.3f;
        try (KvCache cache = backend.newKvCache(1, pos0 + T, kvDim, hd)) {
            CpuTensor keys = tensor(pos0 + T, kvDim, 1), values = tensor(pos0 + T, kvDim, 1);
            backend.storeKv(cache, 0, keys, values, 0, pos0 + T);
            CpuTensor q = tensor(T, heads * hd, 1), out = new CpuTensor(T, heads * hd);
            backend.attention(out, q, cache, 0, pos0, T, heads, kvHeads, hd, scale);
            double[] want = new double[T * heads * hd];
            for (int t = 0; t < T; t++)
                for (int h = 0; h < heads; h++) {
                    int kvh = h / (heads / kvHeads), last = pos0 + t;
                    double[] p = new double[last + 1];
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int s = 0; s <= last; s++) {
                        double dot = 0;
                        for (int i = 0; i < hd; i++) dot += q.data()[t * heads * hd + h * hd + i] * keys.data()[s * kvDim + kvh * hd + i];
                        p[s] = dot * scale;
                        max = Math.max(max, p[s]);
                    }
                    for (int s = 0; s <= last; s++) sum += p[s] = Math.exp(p[s] - max);
                    for (int i = 0; i < hd; i++) {
                        double o = 0;
                        for (int s = 0; s <= last; s++) o += p[s] / sum * values.data()[s * kvDim + kvh * hd + i];
                        want[t * heads * hd + h * hd + i] = o;
                    }
                }
            assertClose(out.data(), want, 1e-5);
        }
    }

    /**
     * T queries in one call (taken four at a time over the keys and values) give each query the
     * bits of a call of its own: what makes a verification's logits those of one-token steps.
     */
    @ParameterizedTest(name = "T={0} hd={1} pos0={2}")
    @org.junit.jupiter.params.provider.CsvSource({"5,64,37", "7,128,70", "6,20,15", "3,64,1"})
    void queriesTogetherGiveTheBitsOfQueriesAlone(int T, int hd, int pos0) {
        int heads = 4, kvHeads = 2, kvDim = kvHeads * hd;
        try (KvCache cache = backend.newKvCache(1, pos0 + T, kvDim, hd)) {
            CpuTensor keys = tensor(pos0 + T, kvDim, 1), values = tensor(pos0 + T, kvDim, 1);
            backend.storeKv(cache, 0, keys, values, 0, pos0 + T);
            CpuTensor q = tensor(T, heads * hd, 1), together = new CpuTensor(T, heads * hd);
            backend.attention(together, q, cache, 0, pos0, T, heads, kvHeads, hd, 0.125f);
            for (int t = 0; t < T; t++) {
                CpuTensor one = new CpuTensor(java.util.Arrays.copyOfRange(q.data(), t * heads * hd, (t + 1) * heads * hd), 1, heads * hd);
                CpuTensor alone = new CpuTensor(1, heads * hd);
                backend.attention(alone, one, cache, 0, pos0 + t, 1, heads, kvHeads, hd, 0.125f);
                assertThat(java.util.Arrays.copyOfRange(together.data(), t * heads * hd, (t + 1) * heads * hd)).as("query %d", t).containsExactly(alone.data());
            }
        }
    }

    @Test
    void attentionRefusesHeadsTheCacheWasNotLaidOutFor() {
        try (KvCache cache = backend.newKvCache(1, 8, 64, 32)) {
            CpuTensor q = tensor(1, 128, 1), out = new CpuTensor(1, 128);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> backend.attention(out, q, cache, 0, 0, 1, 4, 4, 16, 1f))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("heads of 32");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> backend.newKvCache(1, 8, 64, 24))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a multiple");
        }
    }

    @ParameterizedTest
    @EnumSource(Activation.class)
    void activationsMatchTheirFormulas(Activation fn) {
        CpuTensor x = tensor(2, 41, 3);
        float[] orig = x.data().clone();
        backend.activate(x, fn, 2);
        double[] want = new double[orig.length];
        for (int i = 0; i < orig.length; i++) {
            double v = orig[i];
            want[i] = switch (fn) {
                case GELU_TANH -> 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
                case GELU_ERF -> 0.5 * v * (1 + specdec.engine.TestMath.erf(v / Math.sqrt(2)));
                case RELU -> Math.max(0, v);
                case SILU -> v / (1 + Math.exp(-v));
            };
        }
        assertClose(x.data(), want, 2e-6);
    }

    @Test
    void siluMulAddBiasEmbedAndAddRows() {
        int T = 2, d = 19;
        CpuTensor g = tensor(T, d, 2), u = tensor(T, d, 2);
        float[] g0 = g.data().clone();
        backend.siluMul(g, u, T);
        for (int i = 0; i < T * d; i++) assertThat((double) g.data()[i]).isCloseTo(g0[i] / (1 + Math.exp(-g0[i])) * u.data()[i], within(1e-5));

        float[] table = TestWeights.gaussian(rng, 10 * d, 1);
        WeightTensor tab = TestWeights.of(DType.F16, 10, d, table);
        CpuTensor e = new CpuTensor(T, d);
        backend.embed(e, tab, new int[] {9, 7, 3}, 1, T);
        for (int i = 0; i < d; i++) {
            assertThat(e.data()[i]).isEqualTo(tab.get(7L * d + i));
            assertThat(e.data()[d + i]).isEqualTo(tab.get(3L * d + i));
        }
        float[] before = e.data().clone();
        backend.addRows(e, tab, 4, T);
        for (int t = 0; t < T; t++)
            for (int i = 0; i < d; i++) assertThat(e.data()[t * d + i]).isEqualTo(before[t * d + i] + tab.get((4L + t) * d + i));
        before = e.data().clone();
        backend.addBias(e, tab.rowSlice(1, 1), T);
        for (int t = 0; t < T; t++)
            for (int i = 0; i < d; i++) assertThat(e.data()[t * d + i]).isEqualTo(before[t * d + i] + tab.get(d + i));
    }
}
