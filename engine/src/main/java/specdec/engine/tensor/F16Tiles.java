package specdec.engine.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * F16 weights in the CPU kernels' tiles (see {@link HalfTiles}), widened by {@link Tiles#widen}
 * (finite: F16 weights are checked when they are built). One input: one tile per pass with four
 * chains (even and odd columns), which F16's long widening keeps ahead of memory; two tiles at
 * once with a chain per row, as {@link BF16Tiles} reads them, streamed 25 % slower. More inputs:
 * passes of three.
 */
public final class F16Tiles extends HalfTiles {
    private F16Tiles(String name, MemorySegment segment, int rows, int cols) {
        super(name, segment, rows, cols);
    }

    /** {@code w}'s values in tiles, allocated in {@code arena}. */
    public static WeightTensor of(WeightTensor w, Arena arena) {
        if (w.dtype() != DType.F16) throw new IllegalArgumentException(w.name() + " is " + w.dtype() + ", not F16");
        if (w instanceof F16Tiles) return w;
        return new F16Tiles(w.name(), repack(w, arena, false), w.rows(), w.cols());
    }

    @Override
    public DType dtype() {
        return DType.F16;
    }

    @Override
    float toFloat(short bits) {
        return Halfs.f16ToFloat(bits);
    }

    @Override
    HalfTiles view(String name, MemorySegment segment, int rows) {
        return new F16Tiles(name, segment, rows, cols);
    }

    /**
     * The scalar reference: the kernels' order of operations, one row. Every result is one sum in
     * one order, whatever T: a chain of fmas from zero over the even columns, another over the odd
     * ones (and a last odd column at the end of the first), then the two added.
     */
    @Override
    protected float dot1(int row, float[] x, int xOff) {
        long base = (long) (row / R) * cols * COLUMN + halfAt(row % R);
        float even = 0, odd = 0;
        int c = 0;
        for (; c + 1 < cols; c += 2) {
            even = Math.fma(toFloat(segment.get(LE, base + c * COLUMN)), x[xOff + c], even);
            odd = Math.fma(toFloat(segment.get(LE, base + (c + 1) * COLUMN)), x[xOff + c + 1], odd);
        }
        if (c < cols) even = Math.fma(toFloat(segment.get(LE, base + c * COLUMN)), x[xOff + c], even);
        return even + odd;
    }

    /** Four fma chains: low and high rows, even and odd columns. */
    @Override
    int single(int k, int full, float[] x, float[] out) {
        MemorySegment t = tiles[k];
        FloatVector eL = FloatVector.zero(F), eH = FloatVector.zero(F), oL = FloatVector.zero(F), oH = FloatVector.zero(F);
        int c = 0;
        for (; c + 1 < cols; c += 2) {
            IntVector v = IntVector.fromMemorySegment(I, t, c * COLUMN, ORDER), w = IntVector.fromMemorySegment(I, t, (c + 1) * COLUMN, ORDER);
            FloatVector x0 = FloatVector.broadcast(F, x[c]), x1 = FloatVector.broadcast(F, x[c + 1]);
            eL = widen(v, 16).fma(x0, eL);
            eH = widen(v, 0).fma(x0, eH);
            oL = widen(w, 16).fma(x1, oL);
            oH = widen(w, 0).fma(x1, oH);
        }
        if (c < cols) {
            IntVector v = IntVector.fromMemorySegment(I, t, c * COLUMN, ORDER);
            FloatVector x0 = FloatVector.broadcast(F, x[c]);
            eL = widen(v, 16).fma(x0, eL);
            eH = widen(v, 0).fma(x0, eH);
        }
        eL.add(oL).intoArray(out, k * R);
        eH.add(oH).intoArray(out, k * R + N);
        return 1;
    }

    /** Twelve chains: low and high rows, even and odd columns, three inputs. */
    @Override
    int group(int k, int full, float[] x, int xs, int t0, int n, float[] out, int os) {
        MemorySegment t = tiles[k];
        int last = t0 + n - 1;
        int x0 = t0 * xs, x1 = Math.min(t0 + 1, last) * xs, x2 = Math.min(t0 + 2, last) * xs;
        FloatVector e0 = FloatVector.zero(F), f0 = FloatVector.zero(F), o0 = FloatVector.zero(F), p0 = FloatVector.zero(F);
        FloatVector e1 = FloatVector.zero(F), f1 = FloatVector.zero(F), o1 = FloatVector.zero(F), p1 = FloatVector.zero(F);
        FloatVector e2 = FloatVector.zero(F), f2 = FloatVector.zero(F), o2 = FloatVector.zero(F), p2 = FloatVector.zero(F);
        int c = 0;
        for (; c + 1 < cols; c += 2) {
            IntVector v = IntVector.fromMemorySegment(I, t, c * COLUMN, ORDER), w = IntVector.fromMemorySegment(I, t, (c + 1) * COLUMN, ORDER);
            FloatVector lo = widen(v, 16), hi = widen(v, 0), lo1 = widen(w, 16), hi1 = widen(w, 0);
            FloatVector y0 = FloatVector.broadcast(F, x[x0 + c]), z0 = FloatVector.broadcast(F, x[x0 + c + 1]);
            FloatVector y1 = FloatVector.broadcast(F, x[x1 + c]), z1 = FloatVector.broadcast(F, x[x1 + c + 1]);
            FloatVector y2 = FloatVector.broadcast(F, x[x2 + c]), z2 = FloatVector.broadcast(F, x[x2 + c + 1]);
            e0 = lo.fma(y0, e0);
            f0 = hi.fma(y0, f0);
            o0 = lo1.fma(z0, o0);
            p0 = hi1.fma(z0, p0);
            e1 = lo.fma(y1, e1);
            f1 = hi.fma(y1, f1);
            o1 = lo1.fma(z1, o1);
            p1 = hi1.fma(z1, p1);
            e2 = lo.fma(y2, e2);
            f2 = hi.fma(y2, f2);
            o2 = lo1.fma(z2, o2);
            p2 = hi1.fma(z2, p2);
        }
        if (c < cols) {
            IntVector v = IntVector.fromMemorySegment(I, t, c * COLUMN, ORDER);
            FloatVector lo = widen(v, 16), hi = widen(v, 0);
            FloatVector y0 = FloatVector.broadcast(F, x[x0 + c]), y1 = FloatVector.broadcast(F, x[x1 + c]), y2 = FloatVector.broadcast(F, x[x2 + c]);
            e0 = lo.fma(y0, e0);
            f0 = hi.fma(y0, f0);
            e1 = lo.fma(y1, e1);
            f1 = hi.fma(y1, f1);
            e2 = lo.fma(y2, e2);
            f2 = hi.fma(y2, f2);
        }
        float[] s = scratch();
        e0.add(o0).intoArray(s, 0);
        f0.add(p0).intoArray(s, N);
        e1.add(o1).intoArray(s, 2 * N);
        f1.add(p1).intoArray(s, 3 * N);
        e2.add(o2).intoArray(s, 4 * N);
        f2.add(p2).intoArray(s, 5 * N);
        store(s, k, t0, n, out, os);
        return 1;
    }
}
