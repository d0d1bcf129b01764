package specdec.engine.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Q4_0 weights, llama.cpp's layout: per 32 weights an f16 scale d and 16 bytes; byte k holds
 * weight k in its low nibble and weight k + 16 in its high one, each stored as q + 8, so weight
 * = d * (nibble - 8). Dequantised lane-wise, then used as float weights are.
 */
public final class Q4Weight extends WeightTensor {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final int N = F.length();
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, N * 8)));
    private static final ValueLayout.OfShort LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int BLOCK_BYTES = 18;

    Q4Weight(String name, MemorySegment segment, int rows, int cols) {
        super(name, segment, rows, cols);
        Quantize.requireVectorWidth(name);
    }

    @Override
    public DType dtype() {
        return DType.Q4_0;
    }

    @Override
    public float get(long index) {
        long block = index / DType.BLOCK;
        int k = (int) (index % DType.BLOCK);
        long base = block * BLOCK_BYTES;
        int packed = segment.get(ValueLayout.JAVA_BYTE, base + 2 + (k & 15)) & 0xff;
        int q = (k < 16 ? packed & 15 : packed >>> 4) - 8;
        return Halfs.f16ToFloat(segment.get(LE, base)) * q;
    }

    @Override
    public void decode(long start, float[] dst, int off, int len) {
        for (int i = 0; i < len; i++) dst[off + i] = get(start + i);
    }

    /** Bytes h .. h + N of the block, zero-extended to ints. */
    private static IntVector widen(MemorySegment seg, long base, int h) {
        return (IntVector) ByteVector.fromMemorySegment(B, seg, base + 2 + h, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
    }

    // Centred in the integers, then converted and scaled: (nibble - 8) * d is exact in float (a
    // 4-bit integer times an 11-bit significand), so these are the bits any exact route gives.
    // Widening the bytes to ints once for both nibbles avoids x86's missing byte shift (C2 had
    // emulated it through 16-bit lanes and a pack).

    /** Weights h .. h + N of the block (low nibbles of bytes h ..). */
    private static FloatVector low(MemorySegment seg, long base, int h, float d) {
        return ((FloatVector) widen(seg, base, h).and(15).sub(8).convert(VectorOperators.I2F, 0)).mul(d);
    }

    /** Weights 16 + h .. 16 + h + N (high nibbles of bytes h ..). */
    private static FloatVector high(MemorySegment seg, long base, int h, float d) {
        return ((FloatVector) widen(seg, base, h).lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0)).mul(d);
    }

    @Override
    protected float dot1(int row, float[] x, int xOff) {
        MemorySegment r = row(row);
        int blocks = cols / DType.BLOCK;
        FloatVector lo = FloatVector.zero(F), hi = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long base = b * 18L;
            int xb = b * DType.BLOCK;
            float d = Halfs.f16ToFloat(r.get(LE, base));
            for (int h = 0; h < 16; h += N) {
                FloatVector w00 = low(r, base, h, d);
                FloatVector y00 = FloatVector.fromArray(F, x, xOff + xb + h);
                lo = w00.fma(y00, lo);
                FloatVector w10 = high(r, base, h, d);
                FloatVector y10 = FloatVector.fromArray(F, x, xOff + xb + 16 + h);
                hi = w10.fma(y10, hi);
            }
        }
        return Lanes.sum(lo.add(hi));
    }

    // Unpacking nibbles for four rows (or two rows by four inputs) in one loop outgrows what C2
    // keeps in registers, and the boxed vectors measured 6x slower; so one row per pass here,
    // the rows staying in L1 between passes. Each row and input has two chains, low and high
    // nibbles, added before the lane sum: one chain is bound by the fma latency (the one-input
    // step measured 1.1-1.3x faster with two). Every kernel here keeps that order.

    @Override
    protected void dot4x1(int row, float[] x, int xOff, float[] out, int outOff) {
        for (int k = 0; k < 4; k++) out[outOff + k] = dot1(row + k, x, xOff);
    }

    @Override
    protected void dot4x4(int row, float[] x, int xs, int t0, int T, float[] out, int os, float[] acc) {
        for (int r = 0; r < 4; r++) {
            dot1x4(row + r, x, xs, t0, T, acc);
            reduce1x4(acc, row + r, t0, T, out, os);
        }
    }

    /** One row of {@link #dot4x4}: its four accumulators to acc[k * N ..], no tails (whole blocks). */
    private void dot1x4(int row, float[] x, int xs, int t0, int T, float[] acc) {
        MemorySegment r = row(row);
        int last = T - 1;
        int x0 = t0 * xs, x1 = Math.min(t0 + 1, last) * xs, x2 = Math.min(t0 + 2, last) * xs, x3 = Math.min(t0 + 3, last) * xs;
        int blocks = cols / DType.BLOCK;
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        FloatVector e0 = FloatVector.zero(F), e1 = FloatVector.zero(F), e2 = FloatVector.zero(F), e3 = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long base = b * 18L;
            int xb = b * DType.BLOCK;
            float da = Halfs.f16ToFloat(r.get(LE, base));
            for (int h = 0; h < 16; h += N) {
                FloatVector w00 = low(r, base, h, da);
                FloatVector y00 = FloatVector.fromArray(F, x, x0 + xb + h);
                a0 = w00.fma(y00, a0);
                FloatVector y01 = FloatVector.fromArray(F, x, x1 + xb + h);
                a1 = w00.fma(y01, a1);
                FloatVector y02 = FloatVector.fromArray(F, x, x2 + xb + h);
                a2 = w00.fma(y02, a2);
                FloatVector y03 = FloatVector.fromArray(F, x, x3 + xb + h);
                a3 = w00.fma(y03, a3);
                FloatVector w10 = high(r, base, h, da);
                FloatVector y10 = FloatVector.fromArray(F, x, x0 + xb + 16 + h);
                e0 = w10.fma(y10, e0);
                FloatVector y11 = FloatVector.fromArray(F, x, x1 + xb + 16 + h);
                e1 = w10.fma(y11, e1);
                FloatVector y12 = FloatVector.fromArray(F, x, x2 + xb + 16 + h);
                e2 = w10.fma(y12, e2);
                FloatVector y13 = FloatVector.fromArray(F, x, x3 + xb + 16 + h);
                e3 = w10.fma(y13, e3);
            }
        }
        a0.add(e0).intoArray(acc, 0);
        a1.add(e1).intoArray(acc, N);
        a2.add(e2).intoArray(acc, 2 * N);
        a3.add(e3).intoArray(acc, 3 * N);
        java.util.Arrays.fill(acc, 4 * N, 4 * N + 4, 0f);
    }

    @Override
    protected boolean hasDot2x5() {
        return true;
    }

    @Override
    protected void dot2x5(int row, float[] x, int xs, int t0, float[] acc) {
        dot1x5(row, x, xs, t0, acc, 0);
        dot1x5(row + 1, x, xs, t0, acc, 5);
    }

    /** One row of {@link #dot2x5} (a row per loop, as dot4x1 goes), into slots k .. k + 4. */
    private void dot1x5(int row, float[] x, int xs, int t0, float[] acc, int k) {
        MemorySegment r = row(row);
        int x0 = t0 * xs, x1 = x0 + xs, x2 = x1 + xs, x3 = x2 + xs, x4 = x3 + xs;
        int blocks = cols / DType.BLOCK;
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F), a4 = FloatVector.zero(F);
        FloatVector e0 = FloatVector.zero(F), e1 = FloatVector.zero(F), e2 = FloatVector.zero(F), e3 = FloatVector.zero(F), e4 = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long base = b * 18L;
            int xb = b * DType.BLOCK;
            float d = Halfs.f16ToFloat(r.get(LE, base));
            for (int h = 0; h < 16; h += N) {
                FloatVector w = low(r, base, h, d);
                a0 = w.fma(FloatVector.fromArray(F, x, x0 + xb + h), a0);
                a1 = w.fma(FloatVector.fromArray(F, x, x1 + xb + h), a1);
                a2 = w.fma(FloatVector.fromArray(F, x, x2 + xb + h), a2);
                a3 = w.fma(FloatVector.fromArray(F, x, x3 + xb + h), a3);
                a4 = w.fma(FloatVector.fromArray(F, x, x4 + xb + h), a4);
                w = high(r, base, h, d);
                e0 = w.fma(FloatVector.fromArray(F, x, x0 + xb + 16 + h), e0);
                e1 = w.fma(FloatVector.fromArray(F, x, x1 + xb + 16 + h), e1);
                e2 = w.fma(FloatVector.fromArray(F, x, x2 + xb + 16 + h), e2);
                e3 = w.fma(FloatVector.fromArray(F, x, x3 + xb + 16 + h), e3);
                e4 = w.fma(FloatVector.fromArray(F, x, x4 + xb + 16 + h), e4);
            }
        }
        a0.add(e0).intoArray(acc, k * N);
        a1.add(e1).intoArray(acc, (k + 1) * N);
        a2.add(e2).intoArray(acc, (k + 2) * N);
        a3.add(e3).intoArray(acc, (k + 3) * N);
        a4.add(e4).intoArray(acc, (k + 4) * N);
        java.util.Arrays.fill(acc, 10 * N + k, 10 * N + k + 5, 0f);
    }
}
