package specdec.engine.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Q8_0 weights, llama.cpp's layout: per 32 weights an f16 scale d and 32 signed bytes q, weight
 * = d * q. A block is dequantised lane-wise (bytes widened to floats, times d) and then used as
 * float weights are; d * q is exact in float, so the products are those of the f32 kernel on the
 * dequantised matrix.
 */
public final class Q8Weight extends WeightTensor {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int N = F.length();
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, N * 8)));
    private static final ValueLayout.OfShort LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int BLOCK_BYTES = 34;

    Q8Weight(String name, MemorySegment segment, int rows, int cols) {
        super(name, segment, rows, cols);
        Quantize.requireVectorWidth(name);
    }

    @Override
    public DType dtype() {
        return DType.Q8_0;
    }

    @Override
    public float get(long index) {
        long block = index / DType.BLOCK;
        long base = block * BLOCK_BYTES;
        return Halfs.f16ToFloat(segment.get(LE, base)) * segment.get(ValueLayout.JAVA_BYTE, base + 2 + index % DType.BLOCK);
    }

    @Override
    public void decode(long start, float[] dst, int off, int len) {
        for (int i = 0; i < len; i++) dst[off + i] = get(start + i);
    }

    /** Bytes h .. h + N of the block at {@code base}, as floats. */
    private static FloatVector q8(MemorySegment seg, long base, int h) {
        return (FloatVector) ByteVector.fromMemorySegment(B, seg, base + 2 + h, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0);
    }

    @Override
    protected float dot1(int row, float[] x, int xOff) {
        MemorySegment r = row(row);
        int blocks = cols / DType.BLOCK;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long base = b * 34L;
            int xb = b * DType.BLOCK;
            float d = Halfs.f16ToFloat(r.get(LE, base));
            for (int h = 0; h < 32; h += N) {
                FloatVector w00 = q8(r, base, h).mul(d);
                FloatVector y00 = FloatVector.fromArray(F, x, xOff + xb + h);
                acc = w00.fma(y00, acc);
            }
        }
        return Lanes.sum(acc);
    }

    @Override
    protected void dot4x1(int row, float[] x, int xOff, float[] out, int outOff) {
        for (int k = 0; k < 4; k++) out[outOff + k] = dot1(row + k, x, xOff);
    }

    @Override
    protected void dot4x4(int row, float[] x, int xs, int t0, int T, float[] out, int os, float[] acc) {
        dot2x4(row, x, xs, t0, T, out, os);
        dot2x4(row + 2, x, xs, t0, T, out, os);
    }

    /** Rows row and row + 1 with inputs t0 .. t0 + 3 (clamped to T - 1). */
    private void dot2x4(int row, float[] x, int xs, int t0, int T, float[] out, int os) {
        MemorySegment r = row(row), s = row(row + 1);
        int last = T - 1;
        int x0 = t0 * xs, x1 = Math.min(t0 + 1, last) * xs, x2 = Math.min(t0 + 2, last) * xs, x3 = Math.min(t0 + 3, last) * xs;
        int blocks = cols / DType.BLOCK;
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        FloatVector b0 = FloatVector.zero(F), b1 = FloatVector.zero(F), b2 = FloatVector.zero(F), b3 = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long base = b * 34L;
            int xb = b * DType.BLOCK;
            float da = Halfs.f16ToFloat(r.get(LE, base));
            float db = Halfs.f16ToFloat(s.get(LE, base));
            for (int h = 0; h < 32; h += N) {
                FloatVector w00 = q8(r, base, h).mul(da);
                FloatVector w01 = q8(s, base, h).mul(db);
                FloatVector y00 = FloatVector.fromArray(F, x, x0 + xb + h);
                a0 = w00.fma(y00, a0);
                b0 = w01.fma(y00, b0);
                FloatVector y01 = FloatVector.fromArray(F, x, x1 + xb + h);
                a1 = w00.fma(y01, a1);
                b1 = w01.fma(y01, b1);
                FloatVector y02 = FloatVector.fromArray(F, x, x2 + xb + h);
                a2 = w00.fma(y02, a2);
                b2 = w01.fma(y02, b2);
                FloatVector y03 = FloatVector.fromArray(F, x, x3 + xb + h);
                a3 = w00.fma(y03, a3);
                b3 = w01.fma(y03, b3);
            }
        }
        FloatVector sa = Lanes.sum4(a0, a1, a2, a3), sb = Lanes.sum4(b0, b1, b2, b3);
        int j = row;
        out[t0 * os + j] = sa.lane(Lanes.P0);
        out[t0 * os + j + 1] = sb.lane(Lanes.P0);
        if (t0 + 1 < T) { out[(t0 + 1) * os + j] = sa.lane(Lanes.P1); out[(t0 + 1) * os + j + 1] = sb.lane(Lanes.P1); }
        if (t0 + 2 < T) { out[(t0 + 2) * os + j] = sa.lane(Lanes.P2); out[(t0 + 2) * os + j + 1] = sb.lane(Lanes.P2); }
        if (t0 + 3 < T) { out[(t0 + 3) * os + j] = sa.lane(Lanes.P3); out[(t0 + 3) * os + j + 1] = sb.lane(Lanes.P3); }
    }

    @Override
    protected boolean hasDot2x5() {
        return true;
    }

    @Override
    protected void dot2x5(int row, float[] x, int xs, int t0, float[] acc) {
        MemorySegment r = row(row), s = row(row + 1);
        int x0 = t0 * xs, x1 = x0 + xs, x2 = x1 + xs, x3 = x2 + xs, x4 = x3 + xs;
        int blocks = cols / DType.BLOCK;
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F), a4 = FloatVector.zero(F);
        FloatVector b0 = FloatVector.zero(F), b1 = FloatVector.zero(F), b2 = FloatVector.zero(F), b3 = FloatVector.zero(F), b4 = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long base = b * 34L;
            int xb = b * DType.BLOCK;
            float da = Halfs.f16ToFloat(r.get(LE, base));
            float db = Halfs.f16ToFloat(s.get(LE, base));
            for (int h = 0; h < 32; h += N) {
                FloatVector w0 = q8(r, base, h).mul(da), w1 = q8(s, base, h).mul(db), y;
                y = FloatVector.fromArray(F, x, x0 + xb + h);
                a0 = w0.fma(y, a0);
                b0 = w1.fma(y, b0);
                y = FloatVector.fromArray(F, x, x1 + xb + h);
                a1 = w0.fma(y, a1);
                b1 = w1.fma(y, b1);
                y = FloatVector.fromArray(F, x, x2 + xb + h);
                a2 = w0.fma(y, a2);
                b2 = w1.fma(y, b2);
                y = FloatVector.fromArray(F, x, x3 + xb + h);
                a3 = w0.fma(y, a3);
                b3 = w1.fma(y, b3);
                y = FloatVector.fromArray(F, x, x4 + xb + h);
                a4 = w0.fma(y, a4);
                b4 = w1.fma(y, b4);
            }
        }
        a0.intoArray(acc, 0);
        a1.intoArray(acc, N);
        a2.intoArray(acc, 2 * N);
        a3.intoArray(acc, 3 * N);
        a4.intoArray(acc, 4 * N);
        b0.intoArray(acc, 5 * N);
        b1.intoArray(acc, 6 * N);
        b2.intoArray(acc, 7 * N);
        b3.intoArray(acc, 8 * N);
        b4.intoArray(acc, 9 * N);
        java.util.Arrays.fill(acc, 10 * N, 10 * N + 10, 0f);
    }
}
