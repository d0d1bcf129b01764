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

    @Override
    protected float dot1(int row, float[] x, int xOff) {
        MemorySegment r = row(row);
        int bound = F.loopBound(cols);
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i < bound; i += F.length()) {
            acc = widen(r, 0, i).fma(FloatVector.fromArray(F, x, xOff + i), acc);
        }
        float tail = 0;
        for (; i < cols; i++) tail += Halfs.bf16ToFloat(r.get(LE, i * 2L)) * x[xOff + i];
        return Lanes.sum(acc) + tail;
    }

    @Override
    protected void dot4x1(int row, float[] x, int xOff, float[] out, int outOff) {
        MemorySegment r = row(row), q = row(row + 1), p = row(row + 2), o = row(row + 3);
        int bound = F.loopBound(cols);
        FloatVector a = FloatVector.zero(F), b = FloatVector.zero(F), c = FloatVector.zero(F), d = FloatVector.zero(F);
        int i = 0;
        for (; i < bound; i += F.length()) {
            FloatVector y = FloatVector.fromArray(F, x, xOff + i);
            a = widen(r, 0, i).fma(y, a);
            b = widen(q, 0, i).fma(y, b);
            c = widen(p, 0, i).fma(y, c);
            d = widen(o, 0, i).fma(y, d);
        }
        float ta = 0, tb = 0, tc = 0, td = 0;
        for (; i < cols; i++) {
            float xi = x[xOff + i];
            ta += Halfs.bf16ToFloat(r.get(LE, i * 2L)) * xi;
            tb += Halfs.bf16ToFloat(q.get(LE, i * 2L)) * xi;
            tc += Halfs.bf16ToFloat(p.get(LE, i * 2L)) * xi;
            td += Halfs.bf16ToFloat(o.get(LE, i * 2L)) * xi;
        }
        FloatVector s = Lanes.sum4(a, b, c, d);
        out[outOff] = s.lane(Lanes.P0) + ta;
        out[outOff + 1] = s.lane(Lanes.P1) + tb;
        out[outOff + 2] = s.lane(Lanes.P2) + tc;
        out[outOff + 3] = s.lane(Lanes.P3) + td;
    }

    // From memory the four rows go one after another: one sequential stream for the prefetcher
    // instead of four. A one-token step took 13-26 % less time in the model (GPT-2 and
    // TinyLlama, two threads, switched in one process); from cache, after a block, four chains in
    // one loop stay faster than one.
    @Override
    protected void stream4x1(int row, float[] x, int xOff, float[] out, int outOff) {
        for (int k = 0; k < 4; k++) out[outOff + k] = dot1(row + k, x, xOff);
    }

    @Override
    protected void dot4x4(int row, float[] x, int xs, int t0, int T, float[] out, int os, float[] acc) {
        MemorySegment r = row(row), q = row(row + 1), p = row(row + 2), o = row(row + 3);
        int last = T - 1;
        int x0 = t0 * xs, x1 = Math.min(t0 + 1, last) * xs, x2 = Math.min(t0 + 2, last) * xs, x3 = Math.min(t0 + 3, last) * xs;
        int bound = F.loopBound(cols);
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        FloatVector b0 = FloatVector.zero(F), b1 = FloatVector.zero(F), b2 = FloatVector.zero(F), b3 = FloatVector.zero(F);
        FloatVector c0 = FloatVector.zero(F), c1 = FloatVector.zero(F), c2 = FloatVector.zero(F), c3 = FloatVector.zero(F);
        FloatVector d0 = FloatVector.zero(F), d1 = FloatVector.zero(F), d2 = FloatVector.zero(F), d3 = FloatVector.zero(F);
        int i = 0;
        for (; i < bound; i += F.length()) {
            FloatVector w0 = widen(r, 0, i), w1 = widen(q, 0, i), w2 = widen(p, 0, i), w3 = widen(o, 0, i), y;
            y = FloatVector.fromArray(F, x, x0 + i);
            a0 = w0.fma(y, a0);
            b0 = w1.fma(y, b0);
            c0 = w2.fma(y, c0);
            d0 = w3.fma(y, d0);
            y = FloatVector.fromArray(F, x, x1 + i);
            a1 = w0.fma(y, a1);
            b1 = w1.fma(y, b1);
            c1 = w2.fma(y, c1);
            d1 = w3.fma(y, d1);
            y = FloatVector.fromArray(F, x, x2 + i);
            a2 = w0.fma(y, a2);
            b2 = w1.fma(y, b2);
            c2 = w2.fma(y, c2);
            d2 = w3.fma(y, d2);
            y = FloatVector.fromArray(F, x, x3 + i);
            a3 = w0.fma(y, a3);
            b3 = w1.fma(y, b3);
            c3 = w2.fma(y, c3);
            d3 = w3.fma(y, d3);
        }
        float c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0, c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (; i < cols; i++) {
            float v0 = Halfs.bf16ToFloat(r.get(LE, i * 2L)), v1 = Halfs.bf16ToFloat(q.get(LE, i * 2L)), v2 = Halfs.bf16ToFloat(p.get(LE, i * 2L)), v3 = Halfs.bf16ToFloat(o.get(LE, i * 2L));
            c00 += v0 * x[x0 + i]; c10 += v1 * x[x0 + i]; c20 += v2 * x[x0 + i]; c30 += v3 * x[x0 + i];
            c01 += v0 * x[x1 + i]; c11 += v1 * x[x1 + i]; c21 += v2 * x[x1 + i]; c31 += v3 * x[x1 + i];
            c02 += v0 * x[x2 + i]; c12 += v1 * x[x2 + i]; c22 += v2 * x[x2 + i]; c32 += v3 * x[x2 + i];
            c03 += v0 * x[x3 + i]; c13 += v1 * x[x3 + i]; c23 += v2 * x[x3 + i]; c33 += v3 * x[x3 + i];
        }
        int n = F.length();
        a0.intoArray(acc, 0 * n);
        a1.intoArray(acc, 1 * n);
        a2.intoArray(acc, 2 * n);
        a3.intoArray(acc, 3 * n);
        b0.intoArray(acc, 4 * n);
        b1.intoArray(acc, 5 * n);
        b2.intoArray(acc, 6 * n);
        b3.intoArray(acc, 7 * n);
        c0.intoArray(acc, 8 * n);
        c1.intoArray(acc, 9 * n);
        c2.intoArray(acc, 10 * n);
        c3.intoArray(acc, 11 * n);
        d0.intoArray(acc, 12 * n);
        d1.intoArray(acc, 13 * n);
        d2.intoArray(acc, 14 * n);
        d3.intoArray(acc, 15 * n);
        acc[16 * n + 0] = c00; acc[16 * n + 1] = c01; acc[16 * n + 2] = c02; acc[16 * n + 3] = c03;
        acc[16 * n + 4] = c10; acc[16 * n + 5] = c11; acc[16 * n + 6] = c12; acc[16 * n + 7] = c13;
        acc[16 * n + 8] = c20; acc[16 * n + 9] = c21; acc[16 * n + 10] = c22; acc[16 * n + 11] = c23;
        acc[16 * n + 12] = c30; acc[16 * n + 13] = c31; acc[16 * n + 14] = c32; acc[16 * n + 15] = c33;
        reduce16(acc, row, t0, T, out, os);
    }
}
