package specdec.engine.tensor;

import jdk.incubator.vector.FloatVector;
import specdec.engine.io.OffHeap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.stream.IntStream;

/**
 * float32 weights in {@link Tiles}: a column's 2N values are two float vectors, rows 0 .. N - 1
 * of the tile, then rows N .. 2N - 1. Nothing to widen, so one pass takes all five inputs of a
 * K = 4 verification (ten chains), and a tile is read once whatever T is up to five.
 *
 * <p>Every result is one chain of fmas from zero over the columns in order, whatever T
 * ({@link #dot1} is that order, scalar). A lone input has two chains per tile, which wait on the
 * fma latency only where the tile is in cache; from memory they are ahead of the loads.
 */
public final class F32Tiles extends Tiles {
    static final long COLUMN = 4L * R;
    static final ValueLayout.OfFloat LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ORDER);

    private F32Tiles(String name, MemorySegment segment, int rows, int cols) {
        super(name, segment, rows, cols, cols * COLUMN);
    }

    /**
     * {@code w}'s values as floats in tiles, allocated in {@code arena}; tiles in parallel. F32, or
     * BF16 or F16 converted on the way (exact), without a row-major float copy: on this project's
     * machines a first touch of fresh memory costs more than the conversion.
     */
    public static WeightTensor of(WeightTensor w, Arena arena) {
        if (w.dtype() != DType.F32 && w.dtype() != DType.BF16 && w.dtype() != DType.F16) {
            throw new IllegalArgumentException(w.name() + " is " + w.dtype() + ", not F32, BF16 or F16");
        }
        if (w instanceof F32Tiles) return w;
        int rows = w.rows(), cols = w.cols();
        MemorySegment dst = OffHeap.allocate(arena, tileCount(rows) * cols * COLUMN);
        IntStream.range(0, tileCount(rows)).parallel().forEach(k -> {
            float[] row = new float[cols], tile = new float[R * cols];
            for (int i = 0; i < R && k * R + i < rows; i++) {
                w.decode((long) (k * R + i) * cols, row, 0, cols);
                scatter(row, tile, i, cols);
            }
            MemorySegment.copy(tile, 0, dst, LE, k * cols * COLUMN, tile.length);
        });
        return new F32Tiles(w.name(), dst, rows, cols);
    }

    /**
     * Value c of a row to tile[c * R + i]. Through arrays and in a method of its own, which C2
     * compiles after a few rows: a loop per tile over segments ran interpreted, about 1 µs a
     * value, for the first matrices (without on-stack replacement a long loop stays interpreted
     * until its method is called again).
     */
    private static void scatter(float[] row, float[] tile, int i, int cols) {
        for (int c = 0; c < cols; c++) tile[c * R + i] = row[c];
    }

    @Override
    public DType dtype() {
        return DType.F32;
    }


    /** Pairs of tiles, so that the threads' ranges get their passes over two tiles at once. */
    @Override
    public int rowGroup() {
        return 2 * R;
    }

    @Override
    Tiles view(String name, MemorySegment segment, int rows) {
        return new F32Tiles(name, segment, rows, cols);
    }

    @Override
    public float get(long index) {
        int r = (int) (index / cols), c = (int) (index % cols);
        return segment.get(LE, (long) (r / R) * cols * COLUMN + c * COLUMN + 4L * (r % R));
    }

    /** The scalar reference: the kernels' order of operations, one row. */
    @Override
    protected float dot1(int row, float[] x, int xOff) {
        long base = (long) (row / R) * cols * COLUMN + 4L * (row % R);
        float acc = 0;
        for (int c = 0; c < cols; c++) acc = Math.fma(segment.get(LE, base + c * COLUMN), x[xOff + c], acc);
        return acc;
    }

    private static FloatVector load(MemorySegment t, long offset) {
        return FloatVector.fromMemorySegment(F, t, offset, ORDER);
    }

    /**
     * Two chains per tile (low and high rows), two tiles at once where there are: two streams,
     * which keep more of memory's lines in flight than one, and four chains for the fma latency
     * where the tiles are in cache. (Four tiles at once were slower in the GPT-2 model.)
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
        MemorySegment t = tiles[k];
        FloatVector lo = FloatVector.zero(F), hi = FloatVector.zero(F);
        for (int c = 0; c < cols; c++) {
            FloatVector y = FloatVector.broadcast(F, x[c]);
            lo = load(t, c * COLUMN).fma(y, lo);
            hi = load(t, c * COLUMN + 4L * N).fma(y, hi);
        }
        lo.intoArray(out, k * R);
        hi.intoArray(out, k * R + N);
    }

    private void single2(int k, float[] x, float[] out) {
        MemorySegment t = tiles[k], u = tiles[k + 1];
        FloatVector lo = FloatVector.zero(F), hi = FloatVector.zero(F), lo1 = FloatVector.zero(F), hi1 = FloatVector.zero(F);
        for (int c = 0; c < cols; c++) {
            FloatVector y = FloatVector.broadcast(F, x[c]);
            lo = load(t, c * COLUMN).fma(y, lo);
            hi = load(t, c * COLUMN + 4L * N).fma(y, hi);
            lo1 = load(u, c * COLUMN).fma(y, lo1);
            hi1 = load(u, c * COLUMN + 4L * N).fma(y, hi1);
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
        group2(tiles[k], tiles[full < 2 ? k : k + 1], x, x0, x1, x2, x3, x4, s);
        store(s, 0, k, t0, n, out, os);
        if (full < 2) return 1;
        store(s, 10 * N, k + 1, t0, n, out, os);
        return 2;
    }

    private void group2(MemorySegment t, MemorySegment u, float[] x, int x0, int x1, int x2, int x3, int x4, float[] s) {
        FloatVector a0 = FloatVector.zero(F), b0 = FloatVector.zero(F), a1 = FloatVector.zero(F), b1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F), b2 = FloatVector.zero(F), a3 = FloatVector.zero(F), b3 = FloatVector.zero(F);
        FloatVector a4 = FloatVector.zero(F), b4 = FloatVector.zero(F);
        FloatVector c0 = FloatVector.zero(F), d0 = FloatVector.zero(F), c1 = FloatVector.zero(F), d1 = FloatVector.zero(F);
        FloatVector c2 = FloatVector.zero(F), d2 = FloatVector.zero(F), c3 = FloatVector.zero(F), d3 = FloatVector.zero(F);
        FloatVector c4 = FloatVector.zero(F), d4 = FloatVector.zero(F);
        for (int c = 0; c < cols; c++) {
            FloatVector lo = load(t, c * COLUMN), hi = load(t, c * COLUMN + 4L * N);
            FloatVector lo1 = load(u, c * COLUMN), hi1 = load(u, c * COLUMN + 4L * N), y;
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
