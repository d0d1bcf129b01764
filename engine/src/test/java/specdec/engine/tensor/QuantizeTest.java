package specdec.engine.tensor;

import org.junit.jupiter.api.Test;
import specdec.engine.SpecdecException;
import specdec.engine.TestWeights;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Q8_0 and Q4_0 blocks against the format read byte by byte here (not through the weight
 * classes), and against blocks worked out by hand from llama.cpp's reference rounding.
 */
class QuantizeTest {
    private static final ValueLayout.OfShort LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Independent decoder: the scale's bits through Float.float16ToFloat, the quants by shifting bytes. */
    private static float[] dequantize(MemorySegment seg, DType format, int n) {
        float[] out = new float[n];
        int blockBytes = format == DType.Q8_0 ? 34 : 18;
        for (int b = 0; b < n / 32; b++) {
            long at = (long) b * blockBytes;
            float d = Float.float16ToFloat(seg.get(LE, at));
            for (int k = 0; k < 32; k++) {
                int q;
                if (format == DType.Q8_0) {
                    q = seg.get(ValueLayout.JAVA_BYTE, at + 2 + k);
                } else {
                    int packed = Byte.toUnsignedInt(seg.get(ValueLayout.JAVA_BYTE, at + 2 + (k % 16)));
                    q = (k < 16 ? packed & 0x0f : packed >> 4) - 8;
                }
                out[b * 32 + k] = d * q;
            }
        }
        return out;
    }

    @Test
    void weightClassesReadTheBlocksAsTheIndependentDecoderDoes() {
        Random rng = new Random(11);
        for (DType format : new DType[] {DType.Q8_0, DType.Q4_0}) {
            float[] values = TestWeights.gaussian(rng, 6 * 96, 0.7);
            WeightTensor q = TestWeights.of(format, 6, 96, values);
            float[] ref = dequantize(q.segment(), format, values.length);
            float[] decoded = new float[values.length];
            q.decode(0, decoded, 0, values.length);
            for (int i = 0; i < values.length; i++) {
                assertThat(q.get(i)).as("%s get(%d)", format, i).isEqualTo(ref[i]);
                assertThat(decoded[i]).as("%s decode %d", format, i).isEqualTo(ref[i]);
            }
        }
    }

    @Test
    void quantisationErrorIsWithinHalfAStepForQ8AndOneStepForQ4PlusTheScaleRounding() {
        Random rng = new Random(12);
        float[] values = TestWeights.gaussian(rng, 64 * 32, 1.3);
        for (DType format : new DType[] {DType.Q8_0, DType.Q4_0}) {
            WeightTensor q = TestWeights.of(format, 64, 32, values);
            for (int b = 0; b < 64; b++) {
                float amax = 0;
                for (int k = 0; k < 32; k++) amax = Math.max(amax, Math.abs(values[b * 32 + k]));
                float step = format == DType.Q8_0 ? amax / 127 : amax / 8;
                // rounding to a step, plus the f16 rounding of the scale (2^-11 relative) times the largest quant
                float bound = (format == DType.Q8_0 ? 0.5f + 127f / 2048 : 1f + 8f / 2048) * step + 1e-6f;
                for (int k = 0; k < 32; k++) {
                    int i = b * 32 + k;
                    assertThat(Math.abs(q.get(i) - values[i])).as("%s element %d", format, i).isLessThanOrEqualTo(bound);
                }
            }
        }
    }

    @Test
    void q8BlockWorkedByHand() {
        // max |x| = 12.7, so d = 0.1 (f16 0x2E66 = 0.0999755859375); x = 0.25 -> 0.25 / 0.1 = 2.5 rounds away from zero to 3
        float[] x = new float[32];
        x[0] = 12.7f;
        x[1] = -12.7f;
        x[2] = 0.25f;
        x[3] = -0.25f;
        x[4] = 0.04f;
        MemorySegment seg = Arena.ofAuto().allocate(34);
        Quantize.q8Block(x, 0, seg, 0);
        assertThat(seg.get(LE, 0)).isEqualTo(Float.floatToFloat16(0.1f));
        assertThat(seg.get(ValueLayout.JAVA_BYTE, 2)).isEqualTo((byte) 127);
        assertThat(seg.get(ValueLayout.JAVA_BYTE, 3)).isEqualTo((byte) -127);
        assertThat(seg.get(ValueLayout.JAVA_BYTE, 4)).isEqualTo((byte) 3);
        assertThat(seg.get(ValueLayout.JAVA_BYTE, 5)).isEqualTo((byte) -3);
        assertThat(seg.get(ValueLayout.JAVA_BYTE, 6)).isEqualTo((byte) 0);
    }

    @Test
    void q4BlockWorkedByHand() {
        // the largest magnitude is -4 (the first of -4 and 4 wins), so d = -4 / -8 = 0.5 and id = 2;
        // nibble = min(15, trunc(x * 2 + 8.5)): -4 -> 0, 4 -> 16 clamped to 15, 1 -> 10, -0.3 -> 7
        float[] x = new float[32];
        x[0] = -4f;
        x[16] = 4f;
        x[1] = 1f;
        x[17] = -0.3f;
        MemorySegment seg = Arena.ofAuto().allocate(18);
        Quantize.q4Block(x, 0, seg, 0);
        assertThat(Float.float16ToFloat(seg.get(LE, 0))).isEqualTo(0.5f);
        assertThat(Byte.toUnsignedInt(seg.get(ValueLayout.JAVA_BYTE, 2))).isEqualTo(0 | 15 << 4);
        assertThat(Byte.toUnsignedInt(seg.get(ValueLayout.JAVA_BYTE, 3))).isEqualTo(10 | 7 << 4);
        assertThat(Byte.toUnsignedInt(seg.get(ValueLayout.JAVA_BYTE, 4))).isEqualTo(8 | 8 << 4);
    }

    @Test
    void allZeroBlocksQuantiseToZero() {
        for (DType format : new DType[] {DType.Q8_0, DType.Q4_0}) {
            WeightTensor q = TestWeights.of(format, 1, 32, new float[32]);
            for (int i = 0; i < 32; i++) assertThat(q.get(i)).isZero();
        }
    }

    @Test
    void widthsThatAreNotWholeBlocksAreRefusedByName() {
        WeightTensor w = TestWeights.of(DType.F32, 2, 40, new float[80]);
        assertThatThrownBy(() -> Quantize.of(w, DType.Q8_0, Arena.ofAuto()))
                .isInstanceOf(SpecdecException.class).hasMessageContaining("'w'").hasMessageContaining("40 columns");
    }
}
