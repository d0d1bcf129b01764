package specdec.engine.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** bfloat16 weights: widened to float by a 16-bit shift, lane-wise. */
public final class BF16Weight extends WeightTensor {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final ValueLayout.OfShort LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    BF16Weight(String name, MemorySegment segment, int rows, int cols) {
        super(name, segment, rows, cols);
    }

    @Override
    public DType dtype() {
        return DType.BF16;
    }

    @Override
    public float get(long index) {
        return Halfs.bf16ToFloat(segment.get(LE, index * 2));
    }

    @Override
    public void decode(long start, float[] dst, int off, int len) {
        for (int i = 0; i < len; i++) dst[off + i] = Halfs.bf16ToFloat(segment.get(LE, (start + i) * 2));
    }

    /** Sixteen-bit lanes starting at element i of the row at byte {@code base}, as floats. */
    static FloatVector widen(MemorySegment seg, long base, int i) {
        ShortVector s = ShortVector.fromMemorySegment(S, seg, base + i * 2L, ByteOrder.LITTLE_ENDIAN);
        return ((IntVector) s.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /** One accumulator, summed in the same order as each row of {@link #dot4}: T = 1 and T = K + 1 agree bit for bit. */
    @Override
    protected float dot1(int row, float[] x, int xOff) {
        MemorySegment r = segment.asSlice((long) row * cols * 2, cols * 2L);
        int bound = F.loopBound(cols);
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i < bound; i += F.length()) {
            acc = widen(r, 0, i).fma(FloatVector.fromArray(F, x, xOff + i), acc);
        }
        float sum = Lanes.sum(acc);
        for (; i < cols; i++) sum += Halfs.bf16ToFloat(r.get(LE, i * 2L)) * x[xOff + i];
        return sum;
    }

    @Override
    protected void dot4(int row, float[] x, int xOff, int xs, float[] out, int o, int os) {
        MemorySegment r = segment.asSlice((long) row * cols * 2, cols * 2L);
        int bound = F.loopBound(cols);
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        int i = 0;
        for (; i < bound; i += F.length()) {
            FloatVector w = widen(r, 0, i);
            a0 = w.fma(FloatVector.fromArray(F, x, xOff + i), a0);
            a1 = w.fma(FloatVector.fromArray(F, x, xOff + xs + i), a1);
            a2 = w.fma(FloatVector.fromArray(F, x, xOff + 2 * xs + i), a2);
            a3 = w.fma(FloatVector.fromArray(F, x, xOff + 3 * xs + i), a3);
        }
        float s0 = Lanes.sum(a0), s1 = Lanes.sum(a1);
        float s2 = Lanes.sum(a2), s3 = Lanes.sum(a3);
        for (; i < cols; i++) {
            float w = Halfs.bf16ToFloat(r.get(LE, i * 2L));
            s0 += w * x[xOff + i];
            s1 += w * x[xOff + xs + i];
            s2 += w * x[xOff + 2 * xs + i];
            s3 += w * x[xOff + 3 * xs + i];
        }
        out[o] = s0;
        out[o + os] = s1;
        out[o + 2 * os] = s2;
        out[o + 3 * os] = s3;
    }
}
