package specdec.engine.tensor;

import org.junit.jupiter.api.Test;
import specdec.engine.SpecdecException;
import specdec.engine.TestWeights;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The vector widening of 16-bit floats against the JDK's scalar conversions, over all 65536 patterns (f16: the finite ones). */
class HalfConversionTest {
    private static final ValueLayout.OfShort LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static MemorySegment allPatterns() {
        MemorySegment seg = Arena.ofAuto().allocate(65536 * 2L);
        for (int i = 0; i < 65536; i++) seg.set(LE, i * 2L, (short) i);
        return seg;
    }

    @Test
    void f16WideningMatchesFloat16ToFloatForEveryFiniteBitPattern() {
        MemorySegment seg = allPatterns();
        int lanes = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
        int checked = 0;
        for (int i = 0; i < 65536; i += lanes) {
            float[] got = F16Weight.widen(seg, 0, i).toArray();
            for (int l = 0; l < lanes; l++) {
                float want = Float.float16ToFloat((short) (i + l));
                if (!Float.isFinite(want)) continue; // refused at load, see below
                assertThat(Float.floatToRawIntBits(got[l])).as("pattern %04x", i + l).isEqualTo(Float.floatToRawIntBits(want));
                checked++;
            }
        }
        assertThat(checked).isEqualTo(65536 - 2 * 1024); // all but the two all-ones exponents
    }

    @Test
    void f16WeightsThatAreInfiniteOrNaNAreRefusedNamingWhere() {
        for (float bad : new float[] {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN}) {
            MemorySegment seg = Arena.ofAuto().allocate(3 * 40 * 2L);
            for (int i = 0; i < 120; i++) seg.set(LE, i * 2L, Float.floatToFloat16(i * 0.25f - 7));
            seg.set(LE, (2 * 40 + 33) * 2L, Float.floatToFloat16(bad));
            assertThatThrownBy(() -> WeightTensor.of("blk.w", DType.F16, seg, 3, 40))
                    .isInstanceOf(SpecdecException.class)
                    .hasMessageContaining("'blk.w'").hasMessageContaining("[2, 33]").hasMessageContaining("finite");
        }
    }

    @Test
    void convertingToF16RefusesValuesBeyondItsRange() {
        float[] w = new float[4 * 32];
        w[37] = 1e6f; // past 65504: f16 infinity
        WeightTensor f32 = TestWeights.of(DType.F32, 4, 32, w);
        assertThatThrownBy(() -> Quantize.of(f32, DType.F16, Arena.ofAuto()))
                .isInstanceOf(SpecdecException.class).hasMessageContaining("[1, 5]").hasMessageContaining("65504");
        assertThat(Quantize.of(f32, DType.BF16, Arena.ofAuto()).get(37)).isEqualTo(999424f); // bf16 holds it
    }

    @Test
    void bf16WideningIsTheUpperHalfOfTheFloat() {
        MemorySegment seg = allPatterns();
        int lanes = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
        for (int i = 0; i < 65536; i += lanes) {
            float[] got = BF16Weight.widen(seg, 0, i).toArray();
            for (int l = 0; l < lanes; l++) {
                assertThat(Float.floatToRawIntBits(got[l])).isEqualTo((i + l) << 16);
            }
        }
    }

    @Test
    void bf16RoundsToNearestEven() {
        // 1 + 2^-8 lies halfway between two bf16 values; ties go to the even mantissa (1.0)
        assertThat(Halfs.bf16ToFloat(Halfs.floatToBf16(1f + 0x1p-8f))).isEqualTo(1f);
        // 1 + 3 * 2^-8 is halfway too; the even neighbour is 1 + 2^-6
        assertThat(Halfs.bf16ToFloat(Halfs.floatToBf16(1f + 3 * 0x1p-8f))).isEqualTo(1f + 0x1p-6f);
        assertThat(Halfs.bf16ToFloat(Halfs.floatToBf16(Float.NaN))).isNaN();
        assertThat(Halfs.bf16ToFloat(Halfs.floatToBf16(-2.5f))).isEqualTo(-2.5f);
    }

    @Test
    void decodeAgreesWithGetForEveryDtype() {
        float[] v = TestWeights.gaussian(new java.util.Random(3), 50, 2);
        for (DType d : new DType[] {DType.F32, DType.F16, DType.BF16}) {
            WeightTensor w = TestWeights.of(d, 5, 10, v);
            float[] out = new float[12];
            w.decode(20, out, 2, 10);
            for (int i = 0; i < 10; i++) assertThat(out[2 + i]).isEqualTo(w.get(20 + i));
        }
    }
}
