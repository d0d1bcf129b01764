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

    /** One accumulator, summed as {@link Lanes#sum}: T = 1 and T = K + 1 agree bit for bit. */
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
        int x0 = t0 * xs, x1 = Math.min(t0 + 1, last) * xs, x2 = Math.min(t0 + 2, last) * xs, x3 = Math.min(t0 + 3, last) * xs;
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
        FloatVector s = Lanes.sum4(a0, a1, a2, a3);
        float s0 = s.lane(Lanes.P0), s1 = s.lane(Lanes.P1), s2 = s.lane(Lanes.P2), s3 = s.lane(Lanes.P3);
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
    protected void dot2x1(int row, float[] x, int xOff, float[] out, int outOff) {
        MemorySegment r = row(row), q = row(row + 1);
        int bound = F.loopBound(cols);
        FloatVector a = FloatVector.zero(F), b = FloatVector.zero(F);
        int i = 0;
        for (; i < bound; i += F.length()) {
            FloatVector y = FloatVector.fromArray(F, x, xOff + i);
            a = FloatVector.fromMemorySegment(F, r, i * 4L, ByteOrder.LITTLE_ENDIAN).fma(y, a);
            b = FloatVector.fromMemorySegment(F, q, i * 4L, ByteOrder.LITTLE_ENDIAN).fma(y, b);
        }
        float s = Lanes.sum(a), u = Lanes.sum(b);
        for (; i < cols; i++) {
            s += r.get(LE, i * 4L) * x[xOff + i];
            u += q.get(LE, i * 4L) * x[xOff + i];
        }
        out[outOff] = s;
        out[outOff + 1] = u;
    }

    @Override
    protected void dot2x4(int row, float[] x, int xs, int t0, int T, float[] out, int os) {
        MemorySegment r = row(row), q = row(row + 1);
        int last = T - 1;
        int x0 = t0 * xs, x1 = Math.min(t0 + 1, last) * xs, x2 = Math.min(t0 + 2, last) * xs, x3 = Math.min(t0 + 3, last) * xs;
        int bound = F.loopBound(cols);
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        FloatVector b0 = FloatVector.zero(F), b1 = FloatVector.zero(F), b2 = FloatVector.zero(F), b3 = FloatVector.zero(F);
        int i = 0;
        for (; i < bound; i += F.length()) {
            FloatVector w = FloatVector.fromMemorySegment(F, r, i * 4L, ByteOrder.LITTLE_ENDIAN), v = FloatVector.fromMemorySegment(F, q, i * 4L, ByteOrder.LITTLE_ENDIAN);
            FloatVector y = FloatVector.fromArray(F, x, x0 + i);
            a0 = w.fma(y, a0);
            b0 = v.fma(y, b0);
            y = FloatVector.fromArray(F, x, x1 + i);
            a1 = w.fma(y, a1);
            b1 = v.fma(y, b1);
            y = FloatVector.fromArray(F, x, x2 + i);
            a2 = w.fma(y, a2);
            b2 = v.fma(y, b2);
            y = FloatVector.fromArray(F, x, x3 + i);
            a3 = w.fma(y, a3);
            b3 = v.fma(y, b3);
        }
        FloatVector sa = Lanes.sum4(a0, a1, a2, a3), sb = Lanes.sum4(b0, b1, b2, b3);
        float s0 = sa.lane(Lanes.P0), s1 = sa.lane(Lanes.P1), s2 = sa.lane(Lanes.P2), s3 = sa.lane(Lanes.P3);
        float u0 = sb.lane(Lanes.P0), u1 = sb.lane(Lanes.P1), u2 = sb.lane(Lanes.P2), u3 = sb.lane(Lanes.P3);
        for (; i < cols; i++) {
            float w = r.get(LE, i * 4L), v = q.get(LE, i * 4L);
            s0 += w * x[x0 + i];
            s1 += w * x[x1 + i];
            s2 += w * x[x2 + i];
            s3 += w * x[x3 + i];
            u0 += v * x[x0 + i];
            u1 += v * x[x1 + i];
            u2 += v * x[x2 + i];
            u3 += v * x[x3 + i];
        }
        int j = row;
        out[t0 * os + j] = s0;
        out[t0 * os + j + 1] = u0;
        if (t0 + 1 < T) { out[(t0 + 1) * os + j] = s1; out[(t0 + 1) * os + j + 1] = u1; }
        if (t0 + 2 < T) { out[(t0 + 2) * os + j] = s2; out[(t0 + 2) * os + j + 1] = u2; }
        if (t0 + 3 < T) { out[(t0 + 3) * os + j] = s3; out[(t0 + 3) * os + j + 1] = u3; }
    }
}
