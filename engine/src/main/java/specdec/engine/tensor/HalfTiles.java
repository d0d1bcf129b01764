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
 * lane j holding rows j (low half) and N + j (high half), tile after tile, so that a pass over
 * two tiles reads two streams, as {@link F32Tiles} does. (Tiles 2p and 2p + 1 interleaved column
 * by column, one stream, which the AMD machine the kernels were first built on took well, read
 * 17–26 % slower on an Intel Xeon: GPT-2 124M on two cores, f16 60.2–61.8 against 73.6–79.9
 * tok/s, bf16 72.9–75.3 against 79.8–85.2; TinyLlama f16 8.8 against 11.1, bf16 10.4 against
 * 12.7.) The layout and the scalar reference are here; each format has its own
 * kernels, the same but for the widening ({@link BF16Tiles}: a shift or a mask, {@link F16Tiles}:
 * {@link Tiles#widen}), which C2 compiles well only where the widening is a static call.
 *
 * <p>Every result is one chain of fmas from zero over the columns in order, whatever T
 * ({@link #dot1} is that order, scalar). As in {@link F32Tiles}, a lone input reads two tiles at
 * once and five inputs take one pass over two tiles.
 */
public abstract sealed class HalfTiles extends Tiles permits BF16Tiles, F16Tiles {
    static final long COLUMN = 2L * R;
    static final ValueLayout.OfShort LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** The format: BF16, else F16. */
    private final boolean bf16;
    /**
     * F16: the tiles hold the weights times 2^scale ({@link F16Tiles#scale}), so that their
     * widening makes no subnormal float; the inputs' factor ({@link #prepare}) undoes it.
     */
    final int scale;

    HalfTiles(String name, MemorySegment segment, int rows, int cols, boolean bf16, int scale) {
        super(name, segment, rows, cols, cols * COLUMN);
        this.bf16 = bf16;
        this.scale = scale;
    }

    /**
     * {@code w}'s values in tiles, allocated in {@code arena}; tiles in parallel. F16 values are multiplied
     * by 2^scale on the way (exact: the caller keeps them within f16's range).
     */
    static MemorySegment repack(WeightTensor w, Arena arena, int scale) {
        int rows = w.rows(), cols = w.cols();
        MemorySegment src = w.segment(), dst = OffHeap.allocate(arena, tileCount(rows) * cols * COLUMN);
        IntStream.range(0, tileCount(rows)).parallel().forEach(k -> {
            short[] row = new short[cols], tile = new short[R * cols];
            for (int i = 0; i < R && k * R + i < rows; i++) {
                MemorySegment.copy(src, LE, (long) (k * R + i) * cols * 2, row, 0, cols);
                if (scale != 0) scale(row, scale);
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

    private static void scale(short[] row, int scale) {
        float up = Math.scalb(1f, scale);
        for (int c = 0; c < row.length; c++) row[c] = Halfs.floatToF16(Halfs.f16ToFloat(row[c]) * up);
    }

    /** One stored value as a float. */
    abstract float toFloat(short bits);

    @Override
    public float get(long index) {
        int r = (int) (index / cols), c = (int) (index % cols);
        return toFloat(segment.get(LE, columnAt(r / R, c) + halfAt(r % R)));
    }

    /** Byte offset of tile k's column c in {@link #segment}. */
    final long columnAt(int k, int c) {
        return (long) k * cols * COLUMN + c * COLUMN;
    }

    /** Pairs of tiles, so that the threads' ranges get their passes over two tiles at once. */
    @Override
    public final int rowGroup() {
        return 2 * R;
    }


    /** The scalar reference: the kernels' order of operations, one row. */
    @Override
    protected final float dot1(int row, float[] x, int xOff) {
        int k = row / R;
        long h = halfAt(row % R);
        float acc = 0;
        for (int c = 0; c < cols; c++) acc = Math.fma(toFloat(segment.get(LE, columnAt(k, c) + h)), x[xOff + c], acc);
        return acc;
    }

    /**
     * Rows j of a column's int lanes (shift 16) or rows N + j (shift 0), as floats: BF16 by a
     * shift or a mask; F16 as {@link Tiles#widen} does without its rebiasing (values 2^(scale -
     * 112) times the weights, exactly), whose factor the passes move to the inputs and sums
     * ({@link #prepare}). The kernels read the format once; C2 takes the test out of their loops
     * (a loop per format).
     */
    static FloatVector widen(IntVector v, int shift, boolean bf16) {
        if (!bf16) return Tiles.widen(v, shift);
        return (shift == 0 ? v.and(0xffff0000) : v.lanewise(VectorOperators.LSHL, shift)).reinterpretAsFloats();
    }

    /**
     * F16: each input times 2^(112 - scale), and at [cols] the factor that brings its sums back
     * (1), so that F16's widening (values 2^(scale - 112) times the weights) leaves out a
     * multiplication per weight vector (on the fma pipes: one input over [3072, 768], one thread,
     * 98–101 µs with it, 67–70 without; the five-token forward of GPT-2 124M on two cores of the
     * Intel Xeon, 14.0–14.7 against 14.5–16.7 ms, TinyLlama 114–120 against 134–147). Powers of
     * two that cancel in every product, so the sums are the unscaled computation's bits; an input
     * of magnitude 2^(14 + scale) or more is scaled by less (its largest value to below 2^126),
     * and there a product below 2^-126 of the scaled computation is rounded as a subnormal. BF16
     * reads x as it is.
     */
    @Override
    public final float[] prepare(float[] x, int xStride, int T) {
        if (bf16) return x;
        float[] in = inputBuffer(T * inputStride());
        for (int t = 0; t < T; t++) scaleInput(x, t * xStride, in, t * inputStride());
        return in;
    }

    @Override
    final int inputStride() {
        return cols + 1;
    }

    private void scaleInput(float[] x, int xOff, float[] in, int off) {
        FloatVector m = FloatVector.zero(F);
        int c = 0;
        for (; c + N <= cols; c += N) m = m.max(FloatVector.fromArray(F, x, xOff + c).abs());
        float max = m.reduceLanes(VectorOperators.MAX);
        for (; c < cols; c++) max = Math.max(max, Math.abs(x[xOff + c]));
        // 2^(112 - scale): the products are the unscaled ones exactly; less where that would take
        // the largest input past 2^126 (NaN and infinity: exponent 128)
        int k = Math.min(112 - scale, 125 - Math.getExponent(max));
        float up = Math.scalb(1f, k);
        for (c = 0; c + N <= cols; c += N) FloatVector.fromArray(F, x, xOff + c).mul(up).intoArray(in, off + c);
        for (; c < cols; c++) in[off + c] = x[xOff + c] * up;
        in[off + cols] = Math.scalb(1f, 112 - scale - k);
    }

    /** F16: out[from .. from + count) (count a multiple of N) times input xi's factor ({@link #prepare}). */
    private void rescale(float[] out, int from, int count, float[] x, int xi) {
        if (bf16) return;
        float f = x[xi + cols];
        for (int i = from; i < from + count; i += N) FloatVector.fromArray(F, out, i).mul(f).intoArray(out, i);
    }

    /** Input q's sums in group2's scratch (both tiles) times its factor. */
    private void rescalePass(float[] s, int q, float[] x, int xi) {
        rescale(s, 2 * q * N, 2 * N, x, xi);
        rescale(s, (10 + 2 * q) * N, 2 * N, x, xi);
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
    final int single(int k, int full, float[] x, float[] out) {
        if (full >= 2) {
            single2(k, x, out);
            rescale(out, k * R, 2 * R, x, 0);
            return 2;
        }
        single1(k, x, out);
        rescale(out, k * R, R, x, 0);
        return 1;
    }

    private void single1(int k, float[] x, float[] out) {
        boolean bf16 = this.bf16;
        MemorySegment t = tiles[k];
        FloatVector lo = FloatVector.zero(F), hi = FloatVector.zero(F);
        for (int c = 0, step = Tiles.step; c < cols; c += step) {
            IntVector v = load(t, c * COLUMN);
            FloatVector y = FloatVector.broadcast(F, x[c]);
            lo = widen(v, 16, bf16).fma(y, lo);
            hi = widen(v, 0, bf16).fma(y, hi);
        }
        lo.intoArray(out, k * R);
        hi.intoArray(out, k * R + N);
    }

    private void single2(int k, float[] x, float[] out) {
        boolean bf16 = this.bf16;
        MemorySegment t = tiles[k], u = tiles[k + 1];
        FloatVector lo = FloatVector.zero(F), hi = FloatVector.zero(F), lo1 = FloatVector.zero(F), hi1 = FloatVector.zero(F);
        for (int c = 0, step = Tiles.step; c < cols; c += step) {
            IntVector v = load(t, c * COLUMN), w = load(u, c * COLUMN);
            FloatVector y = FloatVector.broadcast(F, x[c]);
            lo = widen(v, 16, bf16).fma(y, lo);
            hi = widen(v, 0, bf16).fma(y, hi);
            lo1 = widen(w, 16, bf16).fma(y, lo1);
            hi1 = widen(w, 0, bf16).fma(y, hi1);
        }
        lo.intoArray(out, k * R);
        hi.intoArray(out, k * R + N);
        lo1.intoArray(out, k * R + R);
        hi1.intoArray(out, k * R + R + N);
    }

    /** Ten chains per tile (low and high rows, five inputs), two tiles at once. */
    @Override
    final int group(int k, int full, float[] x, int xs, int t0, int n, float[] out, int os) {
        int last = t0 + n - 1;
        int x0 = t0 * xs, x1 = Math.min(t0 + 1, last) * xs, x2 = Math.min(t0 + 2, last) * xs;
        int x3 = Math.min(t0 + 3, last) * xs, x4 = Math.min(t0 + 4, last) * xs;
        float[] s = scratch();
        // a lone tile (the last of a range, or the partial last one) goes through twice
        int j = full < 2 ? k : k + 1;
        group2(tiles[k], tiles[j], x, x0, x1, x2, x3, x4, s);
        if (!bf16) {
            rescalePass(s, 0, x, x0);
            rescalePass(s, 1, x, x1);
            rescalePass(s, 2, x, x2);
            rescalePass(s, 3, x, x3);
            rescalePass(s, 4, x, x4);
        }
        store(s, 0, k, t0, n, out, os);
        if (full < 2) return 1;
        store(s, 10 * N, k + 1, t0, n, out, os);
        return 2;
    }

    private void group2(MemorySegment t, MemorySegment u, float[] x, int x0, int x1, int x2, int x3, int x4, float[] s) {
        boolean bf16 = this.bf16;
        FloatVector a0 = FloatVector.zero(F), b0 = FloatVector.zero(F), a1 = FloatVector.zero(F), b1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F), b2 = FloatVector.zero(F), a3 = FloatVector.zero(F), b3 = FloatVector.zero(F);
        FloatVector a4 = FloatVector.zero(F), b4 = FloatVector.zero(F);
        FloatVector c0 = FloatVector.zero(F), d0 = FloatVector.zero(F), c1 = FloatVector.zero(F), d1 = FloatVector.zero(F);
        FloatVector c2 = FloatVector.zero(F), d2 = FloatVector.zero(F), c3 = FloatVector.zero(F), d3 = FloatVector.zero(F);
        FloatVector c4 = FloatVector.zero(F), d4 = FloatVector.zero(F);
        for (int c = 0, step = Tiles.step; c < cols; c += step) {
            IntVector v = load(t, c * COLUMN), w = load(u, c * COLUMN);
            FloatVector lo = widen(v, 16, bf16), hi = widen(v, 0, bf16), lo1 = widen(w, 16, bf16), hi1 = widen(w, 0, bf16), y;
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
