package specdec.engine.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import specdec.engine.SpecdecException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** IEEE half-precision weights, finite: widened to float lane-wise by rebiasing the exponent. */
public final class F16Weight extends WeightTensor {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final VectorSpecies<Short> SCAN = ShortVector.SPECIES_PREFERRED;
    private static final ValueLayout.OfShort LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** {@code check}: false for the values of an F16 tensor already built (see {@link WeightTensor#sameValues}). */
    F16Weight(String name, MemorySegment segment, int rows, int cols, boolean check) {
        super(name, segment, rows, cols);
        if (check) requireFinite();
    }

    @Override
    public DType dtype() {
        return DType.F16;
    }

    @Override
    public float get(long index) {
        return Halfs.f16ToFloat(segment.get(LE, index * 2));
    }

    @Override
    public void decode(long start, float[] dst, int off, int len) {
        for (int i = 0; i < len; i++) dst[off + i] = Halfs.f16ToFloat(segment.get(LE, (start + i) * 2));
    }

    private static final float MAGIC = 0x1p112f;

    /**
     * Finite half floats starting at element i of the row at byte {@code base}, as floats.
     * Shifting the exponent and mantissa into float position and scaling by 2^112 rebiases normal
     * and subnormal halves exactly; the sign is bit 31 of the sign-extended half. Five vector
     * operations: infinities and NaNs, which would come out as 2^16 and up, are refused when the
     * weights are loaded ({@link #requireFinite}) instead of fixed up here, which took four more
     * and made a one-token step 15-21 % slower on TinyLlama.
     */
    static FloatVector widen(MemorySegment seg, long base, int i) {
        ShortVector s = ShortVector.fromMemorySegment(S, seg, base + i * 2L, ByteOrder.LITTLE_ENDIAN);
        IntVector h = (IntVector) s.convertShape(VectorOperators.S2I, I, 0);
        IntVector finite = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(MAGIC).reinterpretAsInts();
        return finite.or(h.and(0x80000000)).reinterpretAsFloats();
    }

    /** Refuses infinite and NaN weights, which {@link #widen} does not convert. */
    private void requireFinite() {
        for (int r = 0; r < rows; r++) {
            MemorySegment row = row(r);
            if (!nonFinite(row, cols)) continue;
            int c = 0;
            while (!nonFinite(row.get(LE, c * 2L))) c++;
            throw new SpecdecException("tensor '" + name + "' holds " + Halfs.f16ToFloat(row.get(LE, c * 2L)) + " at [" + r + ", " + c
                    + "]: f16 weights must be finite (f16 ends at +-65504; keep such weights in bf16 or f32)");
        }
    }

    /** Whether any of the first n halves has an all-ones exponent (infinity or NaN). */
    private static boolean nonFinite(MemorySegment row, int n) {
        int bound = SCAN.loopBound(n);
        ShortVector any = ShortVector.zero(SCAN);
        int i = 0;
        for (; i < bound; i += SCAN.length()) {
            any = any.or(ShortVector.fromMemorySegment(SCAN, row, i * 2L, ByteOrder.LITTLE_ENDIAN).and((short) 0x7c00).add((short) 0x400));
        }
        if (any.compare(VectorOperators.LT, (short) 0).anyTrue()) return true; // 0x7c00 + 0x400 sets the top bit
        for (; i < n; i++) if (nonFinite(row.get(LE, i * 2L))) return true;
        return false;
    }

    static boolean nonFinite(short half) {
        return (half & 0x7c00) == 0x7c00;
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
        for (; i < cols; i++) tail += Halfs.f16ToFloat(r.get(LE, i * 2L)) * x[xOff + i];
        return Lanes.sum(acc) + tail;
    }

    // The half-float widening is large enough that two or four of them in one loop outgrow what
    // C2 compiles into registers (the vectors get boxed: measured 10x slower in MatmulBench), so
    // the multi-row kernels run one row per pass; the rows stay in L1 between passes.

    @Override
    protected void dot4x1(int row, float[] x, int xOff, float[] out, int outOff) {
        for (int k = 0; k < 4; k++) out[outOff + k] = dot1(row + k, x, xOff);
    }

    @Override
    protected void dot4x4(int row, float[] x, int xs, int t0, int T, float[] out, int os, float[] acc) {
        for (int r = 0; r < 4; r++) dot1x4(row + r, x, xs, t0, T, out, os);
    }

    private void dot1x4(int row, float[] x, int xs, int t0, int T, float[] out, int os) {
        MemorySegment r = row(row);
        int last = T - 1;
        int x0 = t0 * xs, x1 = Math.min(t0 + 1, last) * xs, x2 = Math.min(t0 + 2, last) * xs, x3 = Math.min(t0 + 3, last) * xs;
        int bound = F.loopBound(cols);
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        int i = 0;
        for (; i < bound; i += F.length()) {
            FloatVector w = widen(r, 0, i);
            a0 = w.fma(FloatVector.fromArray(F, x, x0 + i), a0);
            a1 = w.fma(FloatVector.fromArray(F, x, x1 + i), a1);
            a2 = w.fma(FloatVector.fromArray(F, x, x2 + i), a2);
            a3 = w.fma(FloatVector.fromArray(F, x, x3 + i), a3);
        }
        float c0 = 0, c1 = 0, c2 = 0, c3 = 0;
        for (; i < cols; i++) {
            float w = Halfs.f16ToFloat(r.get(LE, i * 2L));
            c0 += w * x[x0 + i];
            c1 += w * x[x1 + i];
            c2 += w * x[x2 + i];
            c3 += w * x[x3 + i];
        }
        FloatVector s = Lanes.sum4(a0, a1, a2, a3);
        out[t0 * os + row] = s.lane(Lanes.P0) + c0;
        if (t0 + 1 < T) out[(t0 + 1) * os + row] = s.lane(Lanes.P1) + c1;
        if (t0 + 2 < T) out[(t0 + 2) * os + row] = s.lane(Lanes.P2) + c2;
        if (t0 + 3 < T) out[(t0 + 3) * os + row] = s.lane(Lanes.P3) + c3;
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
        int bound = F.loopBound(cols);
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F), a4 = FloatVector.zero(F);
        int i = 0;
        for (; i < bound; i += F.length()) {
            FloatVector w = widen(r, 0, i);
            a0 = w.fma(FloatVector.fromArray(F, x, x0 + i), a0);
            a1 = w.fma(FloatVector.fromArray(F, x, x1 + i), a1);
            a2 = w.fma(FloatVector.fromArray(F, x, x2 + i), a2);
            a3 = w.fma(FloatVector.fromArray(F, x, x3 + i), a3);
            a4 = w.fma(FloatVector.fromArray(F, x, x4 + i), a4);
        }
        int n = F.length(), tails = 10 * n + k;
        float c0 = 0, c1 = 0, c2 = 0, c3 = 0, c4 = 0;
        for (; i < cols; i++) {
            float w = Halfs.f16ToFloat(r.get(LE, i * 2L));
            c0 += w * x[x0 + i];
            c1 += w * x[x1 + i];
            c2 += w * x[x2 + i];
            c3 += w * x[x3 + i];
            c4 += w * x[x4 + i];
        }
        a0.intoArray(acc, k * n);
        a1.intoArray(acc, (k + 1) * n);
        a2.intoArray(acc, (k + 2) * n);
        a3.intoArray(acc, (k + 3) * n);
        a4.intoArray(acc, (k + 4) * n);
        acc[tails] = c0;
        acc[tails + 1] = c1;
        acc[tails + 2] = c2;
        acc[tails + 3] = c3;
        acc[tails + 4] = c4;
    }
}
