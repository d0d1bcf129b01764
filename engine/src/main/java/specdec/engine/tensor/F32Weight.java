package specdec.engine.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** float32 weights. */
public final class F32Weight extends WeightTensor {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final ValueLayout.OfFloat LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    F32Weight(String name, MemorySegment segment, int rows, int cols) {
        super(name, segment, rows, cols);
    }

    @Override
    public DType dtype() {
        return DType.F32;
    }

    @Override
    public float get(long index) {
        return segment.get(LE, index * 4);
    }

    @Override
    public void decode(long start, float[] dst, int off, int len) {
        MemorySegment.copy(segment, LE, start * 4, dst, off, len);
    }

    // Each row is read through its own slice: with a per-row segment the JIT hoists the bounds
    // checks out of the loop, which a long offset into the whole tensor does not get (about 8x).

    /** One accumulator, summed in the same order as each row of {@link #dot4}: T = 1 and T = K + 1 agree bit for bit. */
    @Override
    protected float dot1(int row, float[] x, int xOff) {
        long base = (long) row * cols * 4;
        MemorySegment r = segment.asSlice(base, cols * 4L);
        int bound = F.loopBound(cols);
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i < bound; i += F.length()) {
            acc = FloatVector.fromMemorySegment(F, r, i * 4L, ByteOrder.LITTLE_ENDIAN).fma(FloatVector.fromArray(F, x, xOff + i), acc);
        }
        float sum = Lanes.sum(acc);
        for (; i < cols; i++) sum += r.get(LE, i * 4L) * x[xOff + i];
        return sum;
    }

    @Override
    protected void dot4(int row, float[] x, int xOff, int xs, float[] out, int o, int os) {
        MemorySegment r = segment.asSlice((long) row * cols * 4, cols * 4L);
        int bound = F.loopBound(cols);
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        int i = 0;
        for (; i < bound; i += F.length()) {
            FloatVector w = FloatVector.fromMemorySegment(F, r, i * 4L, ByteOrder.LITTLE_ENDIAN);
            a0 = w.fma(FloatVector.fromArray(F, x, xOff + i), a0);
            a1 = w.fma(FloatVector.fromArray(F, x, xOff + xs + i), a1);
            a2 = w.fma(FloatVector.fromArray(F, x, xOff + 2 * xs + i), a2);
            a3 = w.fma(FloatVector.fromArray(F, x, xOff + 3 * xs + i), a3);
        }
        float s0 = Lanes.sum(a0), s1 = Lanes.sum(a1);
        float s2 = Lanes.sum(a2), s3 = Lanes.sum(a3);
        for (; i < cols; i++) {
            float w = r.get(LE, i * 4L);
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
