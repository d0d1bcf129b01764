package specdec.engine.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import specdec.engine.io.OffHeap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.stream.IntStream;

/**
 * bfloat16 weights repacked for the CPU kernels in tiles of R = 2N rows (N float lanes), each lane
 * computing one row, as {@link Q8Tiles} does for Q8_0: a column's 2N values are one int vector,
 * int lane j holding rows j (low half) and N + j (high half), so they widen in place (a shift, a
 * mask), each input value is broadcast once for the tile, and no row ends in a lane sum. The last
 * tile is padded with zero rows.
 *
 * <p>Every result is one sum in one order, whatever T: a chain of fmas from zero over the even
 * columns, another over the odd ones (and a last odd column at the end of the first), then the two
 * added ({@link #dot1} is that order, scalar).
 */
public final class BF16Tiles extends WeightTensor {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    static final int N = F.length(), R = 2 * N;
    private static final long COLUMN = 2L * R;
    private static final ValueLayout.OfShort LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    private final MemorySegment[] tiles;

    private BF16Tiles(String name, MemorySegment segment, int rows, int cols) {
        super(name, segment, rows, cols, tileCount(rows) * cols * COLUMN);
        this.tiles = new MemorySegment[tileCount(rows)];
        for (int k = 0; k < tiles.length; k++) tiles[k] = segment.asSlice(k * cols * COLUMN, cols * COLUMN);
    }

    private static int tileCount(int rows) {
        return (rows + R - 1) / R;
    }

    /** {@code w}'s values in tiles, allocated in {@code arena}; tiles in parallel. */
    public static WeightTensor of(WeightTensor w, Arena arena) {
        if (w.dtype() != DType.BF16) throw new IllegalArgumentException(w.name() + " is " + w.dtype() + ", not BF16");
        if (w instanceof BF16Tiles) return w;
        int rows = w.rows(), cols = w.cols();
        MemorySegment src = w.segment(), dst = OffHeap.allocate(arena, tileCount(rows) * cols * COLUMN);
        IntStream.range(0, tileCount(rows)).parallel().forEach(k -> {
            for (int i = 0; i < R && k * R + i < rows; i++) {
                long from = (long) (k * R + i) * cols * 2, base = k * cols * COLUMN + at(i);
                for (int c = 0; c < cols; c++) dst.set(LE, base + c * COLUMN, src.get(LE, from + 2L * c));
            }
        });
        return new BF16Tiles(w.name(), dst, rows, cols);
    }

    /** Byte of row i (within its tile) from its column's start. */
    private static long at(int i) {
        return 4L * (i % N) + 2L * (i / N);
    }

    @Override
    public DType dtype() {
        return DType.BF16;
    }

    @Override
    public float get(long index) {
        int r = (int) (index / cols), c = (int) (index % cols);
        return Halfs.bf16ToFloat(segment.get(LE, (long) (r / R) * cols * COLUMN + c * COLUMN + at(r % R)));
    }

    @Override
    public void decode(long start, float[] dst, int off, int len) {
        for (int i = 0; i < len; i++) dst[off + i] = get(start + i);
    }

    @Override
    public WeightTensor rowSlice(int from, int count) {
        if (from % R != 0) throw new IllegalArgumentException(name + ": a row slice of BF16 tiles starts at a multiple of " + R + ", not " + from);
        int k0 = from / R, k1 = tileCount(from + count);
        return new BF16Tiles(name + "[" + from + ":" + (from + count) + "]", segment.asSlice(k0 * cols * COLUMN, (k1 - k0) * cols * COLUMN), count, cols);
    }

    @Override
    public int rowGroup() {
        return R;
    }

    /** The scalar reference: the kernels' order of operations, one row. */
    @Override
    protected float dot1(int row, float[] x, int xOff) {
        long base = (long) (row / R) * cols * COLUMN + at(row % R);
        float even = 0, odd = 0;
        int c = 0;
        for (; c + 1 < cols; c += 2) {
            even = Math.fma(Halfs.bf16ToFloat(segment.get(LE, base + c * COLUMN)), x[xOff + c], even);
            odd = Math.fma(Halfs.bf16ToFloat(segment.get(LE, base + (c + 1) * COLUMN)), x[xOff + c + 1], odd);
        }
        if (c < cols) even = Math.fma(Halfs.bf16ToFloat(segment.get(LE, base + c * COLUMN)), x[xOff + c], even);
        return even + odd;
    }

    @Override
    protected void dot4x1(int row, float[] x, int xOff, float[] out, int outOff) {
        for (int k = 0; k < 4; k++) out[outOff + k] = dot1(row + k, x, xOff);
    }

    @Override
    protected void dot4x4(int row, float[] x, int xs, int t0, int T, float[] out, int os, float[] acc) {
        for (int t = t0; t < Math.min(t0 + 4, T); t++) dot4x1(row, x, t * xs, out, t * os + row);
    }

    /**
     * out[t * outStride + j] for t < T, j in [j0, j1): j0 a multiple of {@link #rowGroup()}, j1
     * too or the last row. One input takes its own pass per tile; more take passes of up to three
     * inputs, each widening a column once for all of them.
     */
    @Override
    public void matmul(float[] x, int xStride, int T, float[] out, int outStride, int j0, int j1) {
        if (j0 % R != 0 || (j1 % R != 0 && j1 != rows)) throw new IllegalArgumentException(name + ": rows [" + j0 + ", " + j1 + ") do not start and end on tiles of " + R);
        int k1 = tileCount(j1);
        for (int k = j0 / R; k < k1; k++) {
            if (T == 1 && (k + 1) * R <= rows) single(k, x, out);
            else for (int t0 = 0; t0 < T; t0 += 3) group(k, x, xStride, t0, Math.min(3, T - t0), out, outStride);
        }
    }

    /** Rows j of a column's int lanes (shift 16) or rows N + j (shift 0), as floats. */
    private static FloatVector widen(IntVector v, int shift) {
        IntVector h = shift == 0 ? v.and(0xffff0000) : v.lanewise(VectorOperators.LSHL, shift);
        return h.reinterpretAsFloats();
    }

    /** Tile k (a full one), one input: four fma chains (low and high rows, even and odd columns). */
    private void single(int k, float[] x, float[] out) {
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
    }

    private static final ThreadLocal<float[]> SUMS = ThreadLocal.withInitial(() -> new float[6 * N]);

    /**
     * Tile k with inputs t0 .. t0 + n - 1 (n at most 3; past the last, the last input repeats),
     * results for rows below {@link #rows}: twelve chains.
     */
    private void group(int k, float[] x, int xs, int t0, int n, float[] out, int os) {
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
        float[] s = SUMS.get();
        e0.add(o0).intoArray(s, 0);
        f0.add(p0).intoArray(s, N);
        e1.add(o1).intoArray(s, 2 * N);
        f1.add(p1).intoArray(s, 3 * N);
        e2.add(o2).intoArray(s, 4 * N);
        f2.add(p2).intoArray(s, 5 * N);
        int r0 = k * R, valid = Math.min(R, rows - r0);
        for (int q = 0; q < n; q++) System.arraycopy(s, 2 * q * N, out, (t0 + q) * os + r0, valid);
    }
}
