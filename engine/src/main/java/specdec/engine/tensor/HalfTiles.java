package specdec.engine.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import specdec.engine.io.OffHeap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.stream.IntStream;

/**
 * Sixteen-bit weights (BF16, F16) in {@link Tiles}: a column's 2N values are one int vector, int
 * lane j holding rows j (low half) and N + j (high half). The layout and the kernels are
 * here; the formats differ only in how a lane widens.
 *
 * <p>Every result is one sum in one order, whatever T: a chain of fmas from zero over the even
 * columns, another over the odd ones (and a last odd column at the end of the first), then the two
 * added ({@link #dot1} is that order, scalar).
 */
public abstract sealed class HalfTiles extends Tiles permits BF16Tiles, F16Tiles {
    static final long COLUMN = 2L * R;
    static final ValueLayout.OfShort LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final boolean f16;

    HalfTiles(String name, MemorySegment segment, int rows, int cols, boolean f16) {
        super(name, segment, rows, cols, cols * COLUMN);
        this.f16 = f16;
    }

    /** {@code w}'s values in tiles, allocated in {@code arena}; tiles in parallel. */
    static MemorySegment repack(WeightTensor w, Arena arena) {
        int rows = w.rows(), cols = w.cols();
        MemorySegment src = w.segment(), dst = OffHeap.allocate(arena, tileCount(rows) * cols * COLUMN);
        IntStream.range(0, tileCount(rows)).parallel().forEach(k -> {
            short[] row = new short[cols], tile = new short[R * cols];
            for (int i = 0; i < R && k * R + i < rows; i++) {
                MemorySegment.copy(src, LE, (long) (k * R + i) * cols * 2, row, 0, cols);
                scatter(row, tile, (int) (halfAt(i) / 2), cols);
            }
            MemorySegment.copy(tile, 0, dst, LE, k * cols * COLUMN, tile.length);
        });
        return dst;
    }

    /** Value c of a row to tile[c * R + at] (arrays and a method of its own: see {@link F32Tiles}). */
    private static void scatter(short[] row, short[] tile, int at, int cols) {
        for (int c = 0; c < cols; c++) tile[c * R + at] = row[c];
    }

    /** One stored value as a float. */
    abstract float toFloat(short bits);

    @Override
    public float get(long index) {
        int r = (int) (index / cols), c = (int) (index % cols);
        return toFloat(segment.get(LE, (long) (r / R) * cols * COLUMN + c * COLUMN + halfAt(r % R)));
    }

    /** The scalar reference: the kernels' order of operations, one row. */
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

    /**
     * Rows j of a column's int lanes (shift 16) or rows N + j (shift 0), as floats. BF16: a shift
     * or a mask. F16: {@link Tiles#widen(IntVector, int)} (finite: F16 weights are checked when
     * they are built). The format is a final field, so C2 compiles a loop per format out of each
     * kernel.
     */
    private static FloatVector widen(IntVector v, int shift, boolean f16) {
        if (f16) return widen(v, shift);
        return (shift == 0 ? v.and(0xffff0000) : v.lanewise(VectorOperators.LSHL, shift)).reinterpretAsFloats();
    }

    /** Four fma chains: low and high rows, even and odd columns. */
    @Override
    final int single(int k, int full, float[] x, float[] out) {
        MemorySegment t = tiles[k];
        boolean f = f16;
        FloatVector eL = FloatVector.zero(F), eH = FloatVector.zero(F), oL = FloatVector.zero(F), oH = FloatVector.zero(F);
        int c = 0;
        for (; c + 1 < cols; c += 2) {
            IntVector v = IntVector.fromMemorySegment(I, t, c * COLUMN, ORDER), w = IntVector.fromMemorySegment(I, t, (c + 1) * COLUMN, ORDER);
            FloatVector x0 = FloatVector.broadcast(F, x[c]), x1 = FloatVector.broadcast(F, x[c + 1]);
            eL = widen(v, 16, f).fma(x0, eL);
            eH = widen(v, 0, f).fma(x0, eH);
            oL = widen(w, 16, f).fma(x1, oL);
            oH = widen(w, 0, f).fma(x1, oH);
        }
        if (c < cols) {
            IntVector v = IntVector.fromMemorySegment(I, t, c * COLUMN, ORDER);
            FloatVector x0 = FloatVector.broadcast(F, x[c]);
            eL = widen(v, 16, f).fma(x0, eL);
            eH = widen(v, 0, f).fma(x0, eH);
        }
        eL.add(oL).intoArray(out, k * R);
        eH.add(oH).intoArray(out, k * R + N);
        return 1;
    }

    /** Twelve chains: low and high rows, even and odd columns, three inputs. */
    @Override
    final int group(int k, int full, float[] x, int xs, int t0, int n, float[] out, int os) {
        MemorySegment t = tiles[k];
        boolean f = f16;
        int last = t0 + n - 1;
        int x0 = t0 * xs, x1 = Math.min(t0 + 1, last) * xs, x2 = Math.min(t0 + 2, last) * xs;
        FloatVector e0 = FloatVector.zero(F), f0 = FloatVector.zero(F), o0 = FloatVector.zero(F), p0 = FloatVector.zero(F);
        FloatVector e1 = FloatVector.zero(F), f1 = FloatVector.zero(F), o1 = FloatVector.zero(F), p1 = FloatVector.zero(F);
        FloatVector e2 = FloatVector.zero(F), f2 = FloatVector.zero(F), o2 = FloatVector.zero(F), p2 = FloatVector.zero(F);
        int c = 0;
        for (; c + 1 < cols; c += 2) {
            IntVector v = IntVector.fromMemorySegment(I, t, c * COLUMN, ORDER), w = IntVector.fromMemorySegment(I, t, (c + 1) * COLUMN, ORDER);
            FloatVector lo = widen(v, 16, f), hi = widen(v, 0, f), lo1 = widen(w, 16, f), hi1 = widen(w, 0, f);
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
            FloatVector lo = widen(v, 16, f), hi = widen(v, 0, f);
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
