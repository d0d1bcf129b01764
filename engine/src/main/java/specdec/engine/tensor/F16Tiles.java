package specdec.engine.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * F16 weights in the CPU kernels' tiles (see {@link HalfTiles}), widened by {@link Tiles#widen}
 * (finite: F16 weights are checked when they are built).
 */
public final class F16Tiles extends HalfTiles {
    private F16Tiles(String name, MemorySegment segment, int rows, int cols) {
        super(name, segment, rows, cols);
    }

    /** {@code w}'s values in tiles, allocated in {@code arena}. */
    public static WeightTensor of(WeightTensor w, Arena arena) {
        if (w.dtype() != DType.F16) throw new IllegalArgumentException(w.name() + " is " + w.dtype() + ", not F16");
        if (w instanceof F16Tiles) return w;
        return new F16Tiles(w.name(), repack(w, arena), w.rows(), w.cols());
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

    private static IntVector load(MemorySegment t, long offset) {
        return IntVector.fromMemorySegment(I, t, offset, ORDER);
    }

    /**
     * Two chains per tile (low and high rows), two tiles at once where there are: two streams,
     * and four chains to wait on the fma latency where the tiles are in cache. (Four tiles at once
     * measured no faster.)
     */
    @Override
    int single(int k, int full, float[] x, float[] out) {
        if (full >= 2) {
            single2(k, x, out);
            return 2;
        }
        single1(k, x, out);
        return 1;
    }

    private void single1(int k, float[] x, float[] out) {
        MemorySegment t = in[k];
        long a = first[k], da = step[k];
        FloatVector lo = FloatVector.zero(F), hi = FloatVector.zero(F);
        for (int c = 0; c < cols; c++) {
            IntVector v = load(t, a + c * da);
            FloatVector y = FloatVector.broadcast(F, x[c]);
            lo = widen(v, 16).fma(y, lo);
            hi = widen(v, 0).fma(y, hi);
        }
        lo.intoArray(out, k * R);
        hi.intoArray(out, k * R + N);
    }

    private void single2(int k, float[] x, float[] out) {
        MemorySegment t = in[k], u = in[k + 1];
        long a = first[k], da = step[k], b = first[k + 1], db = step[k + 1];
        FloatVector lo = FloatVector.zero(F), hi = FloatVector.zero(F), lo1 = FloatVector.zero(F), hi1 = FloatVector.zero(F);
        for (int c = 0; c < cols; c++) {
            IntVector v = load(t, a + c * da), w = load(u, b + c * db);
            FloatVector y = FloatVector.broadcast(F, x[c]);
            lo = widen(v, 16).fma(y, lo);
            hi = widen(v, 0).fma(y, hi);
            lo1 = widen(w, 16).fma(y, lo1);
            hi1 = widen(w, 0).fma(y, hi1);
        }
        lo.intoArray(out, k * R);
        hi.intoArray(out, k * R + N);
        lo1.intoArray(out, k * R + R);
        hi1.intoArray(out, k * R + R + N);
    }

    /** Ten chains per tile (low and high rows, five inputs), two tiles at once. */
    @Override
    int group(int k, int full, float[] x, int xs, int t0, int n, float[] out, int os) {
        int last = t0 + n - 1;
        int x0 = t0 * xs, x1 = Math.min(t0 + 1, last) * xs, x2 = Math.min(t0 + 2, last) * xs;
        int x3 = Math.min(t0 + 3, last) * xs, x4 = Math.min(t0 + 4, last) * xs;
        float[] s = scratch();
        // a lone tile (the last of a range, or the partial last one) goes through twice
        int j = full < 2 ? k : k + 1;
        group2(in[k], first[k], step[k], in[j], first[j], step[j], x, x0, x1, x2, x3, x4, s);
        store(s, 0, k, t0, n, out, os);
        if (full < 2) return 1;
        store(s, 10 * N, k + 1, t0, n, out, os);
        return 2;
    }

    private void group2(MemorySegment t, long a, long da, MemorySegment u, long b, long db, float[] x, int x0, int x1, int x2, int x3, int x4, float[] s) {
        FloatVector a0 = FloatVector.zero(F), b0 = FloatVector.zero(F), a1 = FloatVector.zero(F), b1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F), b2 = FloatVector.zero(F), a3 = FloatVector.zero(F), b3 = FloatVector.zero(F);
        FloatVector a4 = FloatVector.zero(F), b4 = FloatVector.zero(F);
        FloatVector c0 = FloatVector.zero(F), d0 = FloatVector.zero(F), c1 = FloatVector.zero(F), d1 = FloatVector.zero(F);
        FloatVector c2 = FloatVector.zero(F), d2 = FloatVector.zero(F), c3 = FloatVector.zero(F), d3 = FloatVector.zero(F);
        FloatVector c4 = FloatVector.zero(F), d4 = FloatVector.zero(F);
        for (int c = 0; c < cols; c++) {
            IntVector v = load(t, a + c * da), w = load(u, b + c * db);
            FloatVector lo = widen(v, 16), hi = widen(v, 0), lo1 = widen(w, 16), hi1 = widen(w, 0), y;
            y = FloatVector.broadcast(F, x[x0 + c]);
            a0 = lo.fma(y, a0);
            b0 = hi.fma(y, b0);
            c0 = lo1.fma(y, c0);
            d0 = hi1.fma(y, d0);
            y = FloatVector.broadcast(F, x[x1 + c]);
            a1 = lo.fma(y, a1);
            b1 = hi.fma(y, b1);
            c1 = lo1.fma(y, c1);
            d1 = hi1.fma(y, d1);
            y = FloatVector.broadcast(F, x[x2 + c]);
            a2 = lo.fma(y, a2);
            b2 = hi.fma(y, b2);
            c2 = lo1.fma(y, c2);
            d2 = hi1.fma(y, d2);
            y = FloatVector.broadcast(F, x[x3 + c]);
            a3 = lo.fma(y, a3);
            b3 = hi.fma(y, b3);
            c3 = lo1.fma(y, c3);
            d3 = hi1.fma(y, d3);
            y = FloatVector.broadcast(F, x[x4 + c]);
            a4 = lo.fma(y, a4);
            b4 = hi.fma(y, b4);
            c4 = lo1.fma(y, c4);
            d4 = hi1.fma(y, d4);
        }
        a0.intoArray(s, 0);
        b0.intoArray(s, N);
        a1.intoArray(s, 2 * N);
        b1.intoArray(s, 3 * N);
        a2.intoArray(s, 4 * N);
        b2.intoArray(s, 5 * N);
        a3.intoArray(s, 6 * N);
        b3.intoArray(s, 7 * N);
        a4.intoArray(s, 8 * N);
        b4.intoArray(s, 9 * N);
        c0.intoArray(s, 10 * N);
        d0.intoArray(s, 11 * N);
        c1.intoArray(s, 12 * N);
        d1.intoArray(s, 13 * N);
        c2.intoArray(s, 14 * N);
        d2.intoArray(s, 15 * N);
        c3.intoArray(s, 16 * N);
        d3.intoArray(s, 17 * N);
        c4.intoArray(s, 18 * N);
        d4.intoArray(s, 19 * N);
    }
}
