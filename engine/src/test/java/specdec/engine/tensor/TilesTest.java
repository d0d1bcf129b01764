package specdec.engine.tensor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import specdec.engine.TestWeights;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * F32, Q8_0, Q4_0, BF16 and F16 in the CPU kernels' tiles: the same values as the row layout, kernels against
 * their scalar order and a double-precision sum, the same bits for any T.
 */
class TilesTest {
    private static final int R = Q8Tiles.R;

    private static WeightTensor rowMajor(DType kind, int rows, int cols, long seed) {
        return TestWeights.of(kind, rows, cols, TestWeights.gaussian(new Random(seed), rows * cols, 0.5));
    }

    private static WeightTensor tiles(WeightTensor w) {
        WeightTensor t = switch (w.dtype()) {
            case Q8_0 -> Q8Tiles.of(w, Arena.ofAuto());
            case Q4_0 -> Q4Tiles.of(w, Arena.ofAuto());
            case F32 -> F32Tiles.of(w, Arena.ofAuto());
            case BF16 -> BF16Tiles.of(w, Arena.ofAuto());
            default -> F16Tiles.of(w, Arena.ofAuto());
        };
        assertThat(t).isNotSameAs(w);
        return t;
    }

    static Stream<Arguments> shapes() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (DType kind : new DType[] {DType.F32, DType.Q8_0, DType.Q4_0, DType.BF16, DType.F16}) {
            int[] widths = kind.isQuantized() ? new int[] {32, 96, 768} : new int[] {1, 2, 7, 33, 768};
            // one partial tile, two whole ones, whole ones and a partial one, three whole ones;
            // and, for the formats that read two tiles at once, five and a partial one, and seven
            int[] counts = kind == DType.F32 || kind == DType.BF16 || kind == DType.F16 ? new int[] {13, 2 * R, 3 * R + 5, 3 * R, 5 * R + 3, 7 * R} : new int[] {13, 2 * R, 3 * R + 5, 3 * R};
            for (int rows : counts) {
                for (int cols : widths) {
                    for (int T : new int[] {1, 2, 4, 5, 6, 11}) b.add(Arguments.of(kind, rows, cols, T));
                }
            }
        }
        return b.build();
    }

    static Stream<DType> kinds() {
        return Stream.of(DType.F32, DType.Q8_0, DType.Q4_0, DType.BF16, DType.F16);
    }

    @ParameterizedTest(name = "{0} rows={1} cols={2} T={3}")
    @MethodSource("shapes")
    void matmulIsTheScalarOrderAndNearTheExactSum(DType kind, int rows, int cols, int T) {
        WeightTensor q = rowMajor(kind, rows, cols, rows * 7L + cols);
        WeightTensor w = tiles(q);
        Random rng = new Random(T);
        int xs = cols + 3, os = rows + 2;
        float[] x = TestWeights.gaussian(rng, T * xs, 1.0);
        float[] out = new float[T * os];
        Arrays.fill(out, 42f);
        w.matmul(x, xs, T, out, os, 0, rows);
        double[] stored = TestWeights.stored(q);
        for (int t = 0; t < T; t++) {
            for (int j = 0; j < rows; j++) {
                double ref = 0, mag = 0;
                for (int i = 0; i < cols; i++) {
                    ref += stored[j * cols + i] * x[t * xs + i];
                    mag += Math.abs(stored[j * cols + i] * x[t * xs + i]);
                }
                float got = out[t * os + j];
                assertThat(got).as("t=%d j=%d scalar order", t, j).isEqualTo(w.dot1(j, x, t * xs));
                assertThat((double) got).as("t=%d j=%d", t, j).isCloseTo(ref, within(1e-5 * mag + 1e-6));
            }
            assertThat(out[t * os + rows]).isEqualTo(42f);
            assertThat(out[t * os + rows + 1]).isEqualTo(42f);
        }
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void oneInputAloneGivesTheBitsItGetsAmongFive(DType kind) {
        int rows = 7 * R + 5, cols = 256;
        WeightTensor w = tiles(rowMajor(kind, rows, cols, 3));
        float[] x = TestWeights.gaussian(new Random(4), 5 * cols, 1.0);
        float[] five = new float[5 * rows], one = new float[rows];
        w.matmul(x, cols, 5, five, rows, 0, rows);
        for (int t = 0; t < 5; t++) {
            w.matmul(Arrays.copyOfRange(x, t * cols, (t + 1) * cols), cols, 1, one, rows, 0, rows);
            assertThat(one).as("input %d", t).containsExactly(Arrays.copyOfRange(five, t * rows, (t + 1) * rows));
        }
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void holdsTheRowLayoutsValues(DType kind) {
        int rows = R + 3, cols = 96;
        WeightTensor q = rowMajor(kind, rows, cols, 11);
        WeightTensor w = tiles(q);
        assertThat(w.dtype()).isEqualTo(kind);
        for (long i = 0; i < q.numel(); i++) assertThat(w.get(i)).as("element %d", i).isEqualTo(q.get(i));
        float[] a = new float[cols], b = new float[cols];
        q.decode((long) R * cols, a, 0, cols);
        w.decode((long) R * cols, b, 0, cols);
        assertThat(b).containsExactly(a);
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void rowRangesAndSlicesStartOnTiles(DType kind) {
        int rows = 6 * R - 5, cols = 64;
        WeightTensor w = tiles(rowMajor(kind, rows, cols, 5));
        float[] x = TestWeights.gaussian(new Random(6), cols, 1.0);
        float[] all = new float[rows], part = new float[rows];
        w.matmul(x, cols, 1, all, rows, 0, rows);
        Arrays.fill(part, 42f);
        w.matmul(x, cols, 1, part, rows, R, 3 * R);
        for (int j = 0; j < rows; j++) assertThat(part[j]).as("row %d", j).isEqualTo(j >= R && j < 3 * R ? all[j] : 42f);
        assertThatThrownBy(() -> w.matmul(x, cols, 1, part, rows, 1, rows)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tiles of " + R);

        int g = R;
        WeightTensor slice = w.rowSlice(g, rows - g);
        float[] s = new float[rows - g];
        slice.matmul(x, cols, 1, s, rows - g, 0, rows - g);
        assertThat(s).containsExactly(Arrays.copyOfRange(all, g, rows));
        WeightTensor pair = w.rowSlice(2 * R, 2 * R);
        float[] p = new float[2 * R];
        pair.matmul(x, cols, 1, p, 2 * R, 0, 2 * R);
        assertThat(p).containsExactly(Arrays.copyOfRange(all, 2 * R, 4 * R));
        assertThatThrownBy(() -> w.rowSlice(3, 5)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiple of " + g);
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"BF16", "F16"})
    void f32TilesConvertSixteenBitRowsExactly(DType kind) {
        int rows = R + 9, cols = 40;
        WeightTensor half = rowMajor(kind, rows, cols, 21);
        WeightTensor fromHalf = F32Tiles.of(half, Arena.ofAuto());
        float[] values = new float[rows * cols];
        half.decode(0, values, 0, values.length);
        WeightTensor fromFloat = F32Tiles.of(TestWeights.of(DType.F32, rows, cols, values), Arena.ofAuto());
        assertThat(fromHalf.dtype()).isEqualTo(DType.F32);
        for (long i = 0; i < half.numel(); i++) assertThat(fromHalf.get(i)).as("element %d", i).isEqualTo(half.get(i));
        float[] x = TestWeights.gaussian(new Random(22), 5 * cols, 1.0);
        float[] a = new float[5 * rows], b = new float[5 * rows];
        fromHalf.matmul(x, cols, 5, a, rows, 0, rows);
        fromFloat.matmul(x, cols, 5, b, rows, 0, rows);
        assertThat(a).containsExactly(b);
        // the 16-bit tiles sum in F32Tiles' order: the same bits, F16's inputs scaled by powers of
        // two on the way (2^(112 - scale), less for the largest inputs)
        WeightTensor tiled = tiles(half);
        for (float scale : new float[] {1f, 0x1p-40f, 0x1p70f}) {
            float[] y = x.clone();
            for (int i = 0; i < y.length; i++) y[i] *= scale;
            for (int T : new int[] {1, 5}) {
                tiled.matmul(y, cols, T, a, rows, 0, rows);
                fromFloat.matmul(y, cols, T, b, rows, 0, rows);
                assertThat(Arrays.copyOf(a, T * rows)).as("inputs times %s, T=%d", scale, T).containsExactly(Arrays.copyOf(b, T * rows));
            }
        }
        // each input its own factor: inputs of different magnitudes in one pass
        float[] mixed = x.clone();
        float[] scales = {0x1p70f, 1f, 0x1p-40f, 0x1p100f, 0x1p-90f};
        for (int t = 0; t < 5; t++) for (int c = 0; c < cols; c++) mixed[t * cols + c] *= scales[t];
        for (int T : new int[] {2, 3, 5}) {
            tiled.matmul(mixed, cols, T, a, rows, 0, rows);
            fromFloat.matmul(mixed, cols, T, b, rows, 0, rows);
            assertThat(Arrays.copyOf(a, T * rows)).as("inputs of mixed magnitudes, T=%d", T).containsExactly(Arrays.copyOf(b, T * rows));
        }
        assertThatThrownBy(() -> F32Tiles.of(Quantize.of(rowMajor(DType.F32, 3, 64, 23), DType.Q8_0, Arena.ofAuto()), Arena.ofAuto()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not F32, BF16 or F16");
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"Q8_0", "Q4_0"})
    void aScaleBeyondHalfRangeKeepsTheRowLayout(DType kind) {
        WeightTensor q = rowMajor(kind, R, 32, 9);
        MemorySegment copy = Arena.ofAuto().allocate(q.segment().byteSize());
        copy.copyFrom(q.segment());
        copy.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), kind.rowBytes(32) * 3, (short) 0x7c00);
        WeightTensor inf = WeightTensor.of("w", kind, copy, R, 32);
        assertThat(kind == DType.Q8_0 ? Q8Tiles.of(inf, Arena.ofAuto()) : Q4Tiles.of(inf, Arena.ofAuto())).isSameAs(inf);
        assertThat(tiles(q).getClass()).isIn(Q8Tiles.class, Q4Tiles.class);
    }

    /**
     * Q8_0's values are read as bytes, Q4_0's in eight slots, the top one without a bias: one-hot
     * inputs read each weight alone, values from the whole range (every one in every slot for
     * Q4_0), d * q exactly; with scales about 1 and subnormal (the tiles hold them times
     * 2^10) and about 8192 (times 2^2, which keeps them within f16).
     */
    @ParameterizedTest(name = "{0} scales from {1}: exponent {2}")
    @CsvSource({"Q8_0, 15360, 10", "Q4_0, 15360, 10", "Q8_0, 1, 10", "Q4_0, 1, 10", "Q8_0, 28672, 2", "Q4_0, 28672, 2"})
    void blockTilesReadEveryValueInEverySlotExactly(DType kind, int firstScale, int exponent) {
        int rows = R + 7, cols = 64, blockBytes = (int) kind.rowBytes(32);
        MemorySegment blocks = Arena.ofAuto().allocate(kind.rowBytes(cols) * rows);
        float[] expected = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int b = 0; b < cols / 32; b++) {
                long at = (r * cols / 32 + b) * (long) blockBytes;
                short d = (short) (firstScale + r * 5 + b); // a different scale per block
                blocks.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), at, d);
                for (int j = 0; j < 32; j++) {
                    int q;
                    if (kind == DType.Q8_0) {
                        q = (r * 7 + j * 3 + b) % 256 - 128;
                        blocks.set(ValueLayout.JAVA_BYTE, at + 2 + j, (byte) q);
                    } else {
                        int n = (r + 3 * j + b) % 16;
                        q = n - 8;
                        long byteAt = at + 2 + j % 16;
                        int old = blocks.get(ValueLayout.JAVA_BYTE, byteAt) & 0xff;
                        blocks.set(ValueLayout.JAVA_BYTE, byteAt, (byte) (j < 16 ? old & 0xf0 | n : old & 0x0f | n << 4));
                    }
                    expected[r * cols + b * 32 + j] = Halfs.f16ToFloat(d) * q;
                }
            }
        }
        WeightTensor w = tiles(WeightTensor.of("w", kind, blocks, rows, cols));
        assertThat(((BlockTiles) w).scaleExponent).isEqualTo(exponent);
        for (int i = 0; i < expected.length; i++) assertThat(w.get(i)).as("element %d", i).isEqualTo(expected[i]);
        float[] x = new float[4 * cols], out = new float[4 * rows];
        for (int c = 0; c < cols; c++) {
            Arrays.fill(x, 0f);
            for (int t = 0; t < 4; t++) x[t * cols + c] = 1f;
            for (int T : new int[] {1, 4}) {
                w.matmul(x, cols, T, out, rows, 0, rows);
                for (int t = 0; t < T; t++) {
                    for (int r = 0; r < rows; r++) assertThat(out[t * rows + r]).as("row %d column %d T=%d", r, c, T).isEqualTo(expected[r * cols + c] + 0f);
                }
            }
        }
    }

    /**
     * Every half below a bound, both signs (-0 sums to +0): every finite one (the tiles then hold
     * them as they are), those below 64 (times 2^10: the subnormals become normal halves, the
     * largest 65504) and those below 1024 (times 2^6).
     */
    @ParameterizedTest(name = "halves below {0}: scale {1}")
    @CsvSource({"31744, 0", "21504, 10", "25600, 6"})
    void f16TilesWidenEveryHalfExactly(int bound, int scale) {
        int rows = 2 * R, cols = 2 * bound / rows;
        float[] values = new float[rows * cols];
        for (int i = 0; i < values.length; i++) values[i] = Halfs.f16ToFloat((short) (i < bound ? i : 0x8000 + i - bound));
        WeightTensor w = tiles(TestWeights.of(DType.F16, rows, cols, values));
        assertThat(((F16Tiles) w).scale).isEqualTo(scale);
        for (int i = 0; i < values.length; i++) assertThat(w.get(i)).as("element %d", i).isEqualTo(values[i]);
        float[] x = new float[3 * cols], out = new float[3 * rows];
        for (int c = 0; c < cols; c++) {
            Arrays.fill(x, 0f);
            for (int t = 0; t < 3; t++) x[t * cols + c] = 1f;
            for (int T : new int[] {1, 3}) {
                w.matmul(x, cols, T, out, rows, 0, rows);
                for (int t = 0; t < T; t++) {
                    for (int r = 0; r < rows; r++) assertThat(out[t * rows + r]).as("row %d column %d T=%d", r, c, T).isEqualTo(values[r * cols + c] + 0f);
                }
            }
        }
    }
}
