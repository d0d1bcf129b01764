package specdec.engine.tensor;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import specdec.engine.TestWeights;

import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Every dtype's vectorised matmul against a double-precision scalar loop over the stored values. */
class WeightMatmulTest {

    static Stream<Arguments> cases() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (DType d : new DType[] {DType.F32, DType.F16, DType.BF16, DType.Q8_0, DType.Q4_0}) {
            int[] widths = d.isQuantized() ? new int[] {32, 64, 96, 768} : new int[] {1, 7, 16, 33, 64, 100, 768};
            for (int cols : widths) {
                for (int T : new int[] {1, 2, 3, 4, 5, 8, 9}) b.add(Arguments.of(d, cols, T));
            }
        }
        return b.build();
    }

    @ParameterizedTest(name = "{0} cols={1} T={2}")
    @MethodSource("cases")
    void matchesScalarReference(DType dtype, int cols, int T) {
        Random rng = new Random(cols * 31L + T);
        int rows = 13;
        WeightTensor w = TestWeights.of(dtype, rows, cols, TestWeights.gaussian(rng, rows * cols, 0.5));
        double[] stored = TestWeights.stored(w);
        int xStride = cols + 3;
        float[] x = TestWeights.gaussian(rng, T * xStride, 1.0);
        int outStride = rows + 2;
        float[] out = new float[T * outStride];
        w.matmul(x, xStride, T, out, outStride, 0, rows);
        for (int t = 0; t < T; t++) {
            for (int j = 0; j < rows; j++) {
                double ref = 0, mag = 0;
                for (int i = 0; i < cols; i++) {
                    ref += stored[j * cols + i] * x[t * xStride + i];
                    mag += Math.abs(stored[j * cols + i] * x[t * xStride + i]);
                }
                assertThat((double) out[t * outStride + j]).as("t=%d j=%d", t, j).isCloseTo(ref, within(1e-5 * mag + 1e-6));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dtypes")
    void partialRowRangeLeavesOthersUntouched(DType dtype) {
        Random rng = new Random(5);
        WeightTensor w = TestWeights.of(dtype, 10, 64, TestWeights.gaussian(rng, 640, 1));
        for (int T : new int[] {1, 5}) {
            float[] x = TestWeights.gaussian(rng, T * 64, 1);
            float[] out = new float[T * 10];
            java.util.Arrays.fill(out, 42f);
            w.matmul(x, 64, T, out, 10, 3, 9);
            for (int t = 0; t < T; t++) {
                for (int j = 0; j < 10; j++) {
                    if (j < 3 || j >= 9) assertThat(out[t * 10 + j]).isEqualTo(42f);
                    else assertThat(out[t * 10 + j]).isNotEqualTo(42f);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dtypes")
    void everyBlockSizeGivesTheSameBitsAsOneRowAtATime(DType dtype) {
        Random rng = new Random(8);
        int rows = 9, cols = dtype.isQuantized() ? 96 : 70;
        WeightTensor w = TestWeights.of(dtype, rows, cols, TestWeights.gaussian(rng, rows * cols, 0.5));
        float[] x = TestWeights.gaussian(rng, 11 * cols, 1);
        for (int T = 1; T <= 11; T++) {
            float[] block = new float[T * rows];
            w.matmul(x, cols, T, block, rows, 0, rows);
            for (int t = 0; t < T; t++) {
                float[] one = new float[rows];
                w.matmul(java.util.Arrays.copyOfRange(x, t * cols, (t + 1) * cols), cols, 1, one, rows, 0, rows);
                for (int j = 0; j < rows; j++) {
                    assertThat(Float.floatToRawIntBits(block[t * rows + j])).as("T=%d t=%d j=%d", T, t, j)
                            .isEqualTo(Float.floatToRawIntBits(one[j]));
                }
            }
        }
    }

    static Stream<DType> dtypes() {
        return Stream.of(DType.F32, DType.F16, DType.BF16, DType.Q8_0, DType.Q4_0);
    }
}
