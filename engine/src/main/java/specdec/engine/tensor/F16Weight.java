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

/** IEEE half-precision weights: widened to float lane-wise by rebiasing the exponent. */
public final class F16Weight extends WeightTensor {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final ValueLayout.OfShort LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    F16Weight(String name, MemorySegment segment, int rows, int cols) {
        super(name, segment, rows, cols);
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
     * Half floats starting at element i of the row at byte {@code base}, as floats. Shifting the
     * exponent and mantissa into float position and scaling by 2^112 rebiases normal and
     * subnormal halves exactly; infinities and NaNs get the float exponent set directly.
     */
    static FloatVector widen(MemorySegment seg, long base, int i) {
        ShortVector s = ShortVector.fromMemorySegment(S, seg, base + i * 2L, ByteOrder.LITTLE_ENDIAN);
        IntVector h = (IntVector) s.convertShape(VectorOperators.S2I, I, 0);
        IntVector sign = h.and(0x8000).lanewise(VectorOperators.LSHL, 16);
        IntVector em = h.and(0x7fff);
        IntVector shifted = em.lanewise(VectorOperators.LSHL, 13);
        IntVector finite = shifted.reinterpretAsFloats().mul(MAGIC).reinterpretAsInts();
        IntVector special = shifted.or(0x7f800000);
        return finite.blend(special, em.compare(VectorOperators.GE, 0x7c00)).or(sign).reinterpretAsFloats();
    }

    /** One accumulator, summed as {@link Lanes#sum}: T = 1 and T = K + 1 agree bit for bit. */
    @Override
    protected float dot1(int row, float[] x, int xOff) {
        MemorySegment r = row(row);
        int bound = F.loopBound(cols);
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i < bound; i += F.length()) {
            acc = widen(r, 0, i).fma(FloatVector.fromArray(F, x, xOff + i), acc);
        }
        float sum = Lanes.sum(acc);
        for (; i < cols; i++) sum += Halfs.f16ToFloat(r.get(LE, i * 2L)) * x[xOff + i];
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
            FloatVector w = widen(r, 0, i);
            a0 = w.fma(FloatVector.fromArray(F, x, x0 + i), a0);
            a1 = w.fma(FloatVector.fromArray(F, x, x1 + i), a1);
            a2 = w.fma(FloatVector.fromArray(F, x, x2 + i), a2);
            a3 = w.fma(FloatVector.fromArray(F, x, x3 + i), a3);
        }
        FloatVector s = Lanes.sum4(a0, a1, a2, a3);
        float s0 = s.lane(Lanes.P0), s1 = s.lane(Lanes.P1), s2 = s.lane(Lanes.P2), s3 = s.lane(Lanes.P3);
        for (; i < cols; i++) {
            float w = Halfs.f16ToFloat(r.get(LE, i * 2L));
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
        out[outOff] = dot1(row, x, xOff);
        out[outOff + 1] = dot1(row + 1, x, xOff);
    }

    /**
     * Two single-row passes: with the half-float widening twice in one loop the method outgrows
     * what C2 inlines whole, and its vectors get boxed (measured 10x slower in MatmulBench).
     */
    @Override
    protected void dot2x4(int row, float[] x, int xs, int t0, int T, float[] out, int os) {
        dot4(row, x, xs, t0, T, out, os, row);
        dot4(row + 1, x, xs, t0, T, out, os, row + 1);
    }
}
