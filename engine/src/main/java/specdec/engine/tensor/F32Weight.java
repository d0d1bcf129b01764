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

    /** One accumulator, summed in the same order as each row of {@link #dot4}: T = 1 and T = K + 1 agree bit for bit. */
    @Override
    protected float dot1(int row, float[] x, int xOff) {
        // a fresh slice here, not row(): for F32 the cached one measured 7x slower (JIT-dependent, see MatmulBench)
        MemorySegment r = segment.asSlice((long) row * cols * 4, cols * 4L);
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
    protected void dot4(int row, float[] x, int xs, int t0, int T, float[] out, int os, int j) {
        MemorySegment r = row(row);
        int last = T - 1;
        int x0 = Math.min(t0 + 0, last) * xs;
        int x1 = Math.min(t0 + 1, last) * xs;
        int x2 = Math.min(t0 + 2, last) * xs;
        int x3 = Math.min(t0 + 3, last) * xs;
        int bound = F.loopBound(cols);
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        int i = 0;
        for (; i < bound; i += F.length()) {
            FloatVector w = FloatVector.fromMemorySegment(F, r, i * 4L, ByteOrder.LITTLE_ENDIAN);
            a0 = w.fma(FloatVector.fromArray(F, x, x0 + i), a0);
            a1 = w.fma(FloatVector.fromArray(F, x, x1 + i), a1);
            a2 = w.fma(FloatVector.fromArray(F, x, x2 + i), a2);
            a3 = w.fma(FloatVector.fromArray(F, x, x3 + i), a3);
        }
        float s0 = Lanes.sum(a0), s1 = Lanes.sum(a1), s2 = Lanes.sum(a2), s3 = Lanes.sum(a3);
        for (; i < cols; i++) {
            float w = r.get(LE, i * 4L);
            s0 += w * x[x0 + i];
            s1 += w * x[x1 + i];
            s2 += w * x[x2 + i];
            s3 += w * x[x3 + i];
        }
        out[t0 * os + j] = s0;
        if (t0 + 1 < T) out[(t0 + 1) * os + j] = s1;
        if (t0 + 2 < T) out[(t0 + 2) * os + j] = s2;
        if (t0 + 3 < T) out[(t0 + 3) * os + j] = s3;
    }

    @Override
    protected void dot8(int row, float[] x, int xs, int t0, int T, float[] out, int os, int j) {
        MemorySegment r = row(row);
        int last = T - 1;
        int x0 = Math.min(t0 + 0, last) * xs;
        int x1 = Math.min(t0 + 1, last) * xs;
        int x2 = Math.min(t0 + 2, last) * xs;
        int x3 = Math.min(t0 + 3, last) * xs;
        int x4 = Math.min(t0 + 4, last) * xs;
        int x5 = Math.min(t0 + 5, last) * xs;
        int x6 = Math.min(t0 + 6, last) * xs;
        int x7 = Math.min(t0 + 7, last) * xs;
        int bound = F.loopBound(cols);
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F), a4 = FloatVector.zero(F), a5 = FloatVector.zero(F), a6 = FloatVector.zero(F), a7 = FloatVector.zero(F);
        int i = 0;
        for (; i < bound; i += F.length()) {
            FloatVector w = FloatVector.fromMemorySegment(F, r, i * 4L, ByteOrder.LITTLE_ENDIAN);
            a0 = w.fma(FloatVector.fromArray(F, x, x0 + i), a0);
            a1 = w.fma(FloatVector.fromArray(F, x, x1 + i), a1);
            a2 = w.fma(FloatVector.fromArray(F, x, x2 + i), a2);
            a3 = w.fma(FloatVector.fromArray(F, x, x3 + i), a3);
            a4 = w.fma(FloatVector.fromArray(F, x, x4 + i), a4);
            a5 = w.fma(FloatVector.fromArray(F, x, x5 + i), a5);
            a6 = w.fma(FloatVector.fromArray(F, x, x6 + i), a6);
            a7 = w.fma(FloatVector.fromArray(F, x, x7 + i), a7);
        }
        float s0 = Lanes.sum(a0), s1 = Lanes.sum(a1), s2 = Lanes.sum(a2), s3 = Lanes.sum(a3), s4 = Lanes.sum(a4), s5 = Lanes.sum(a5), s6 = Lanes.sum(a6), s7 = Lanes.sum(a7);
        for (; i < cols; i++) {
            float w = r.get(LE, i * 4L);
            s0 += w * x[x0 + i];
            s1 += w * x[x1 + i];
            s2 += w * x[x2 + i];
            s3 += w * x[x3 + i];
            s4 += w * x[x4 + i];
            s5 += w * x[x5 + i];
            s6 += w * x[x6 + i];
            s7 += w * x[x7 + i];
        }
        out[t0 * os + j] = s0;
        if (t0 + 1 < T) out[(t0 + 1) * os + j] = s1;
        if (t0 + 2 < T) out[(t0 + 2) * os + j] = s2;
        if (t0 + 3 < T) out[(t0 + 3) * os + j] = s3;
        if (t0 + 4 < T) out[(t0 + 4) * os + j] = s4;
        if (t0 + 5 < T) out[(t0 + 5) * os + j] = s5;
        if (t0 + 6 < T) out[(t0 + 6) * os + j] = s6;
        if (t0 + 7 < T) out[(t0 + 7) * os + j] = s7;
    }
}
