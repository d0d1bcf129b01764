package specdec.engine.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorSpecies;
import specdec.engine.io.OffHeap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.stream.IntStream;

/**
 * Sixteen-bit weights (BF16, F16) repacked for the CPU kernels in tiles of R = 2N rows (N float
 * lanes), each lane computing one row, as {@link Q8Tiles} does for Q8_0: a column's 2N values are
 * one int vector, int lane j holding rows j (low half) and N + j (high half), so they widen in
 * place, each input value is broadcast once for the tile, and no row ends in a lane sum. The last
 * tile is padded with zero rows. The layout and its driver are here; each format's kernels, which
 * differ in their widening, are its own (one kernel shared by two formats inlines whichever
 * widening it saw first).
 *
 * <p>Every result is one sum in one order, whatever T: a chain of fmas from zero over the even
 * columns, another over the odd ones (and a last odd column at the end of the first), then the two
 * added ({@link #dot1} is that order, scalar).
 */
public abstract sealed class HalfTiles extends WeightTensor permits BF16Tiles, F16Tiles {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    static final int N = F.length(), R = 2 * N;
    static final long COLUMN = 2L * R;
    static final ValueLayout.OfShort LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    final MemorySegment[] tiles;

    HalfTiles(String name, MemorySegment segment, int rows, int cols) {
        super(name, segment, rows, cols, tileCount(rows) * cols * COLUMN);
        this.tiles = new MemorySegment[tileCount(rows)];
        for (int k = 0; k < tiles.length; k++) tiles[k] = segment.asSlice(k * cols * COLUMN, cols * COLUMN);
    }

    static int tileCount(int rows) {
        return (rows + R - 1) / R;
    }

    /** {@code w}'s values in tiles, allocated in {@code arena}; tiles in parallel. */
    static MemorySegment repack(WeightTensor w, Arena arena) {
        int rows = w.rows(), cols = w.cols();
        MemorySegment src = w.segment(), dst = OffHeap.allocate(arena, tileCount(rows) * cols * COLUMN);
        IntStream.range(0, tileCount(rows)).parallel().forEach(k -> {
            for (int i = 0; i < R && k * R + i < rows; i++) {
                long from = (long) (k * R + i) * cols * 2, base = k * cols * COLUMN + at(i);
                for (int c = 0; c < cols; c++) dst.set(LE, base + c * COLUMN, src.get(LE, from + 2L * c));
            }
        });
        return dst;
    }

    /** Byte of row i (within its tile) from its column's start. */
    static long at(int i) {
        return 4L * (i % N) + 2L * (i / N);
    }

    /** One stored value as a float. */
    abstract float toFloat(short bits);

    /** The same format's tiles over {@code segment}. */
    abstract HalfTiles view(String name, MemorySegment segment, int rows);

    /** Tile k (a full one), one input, results to out[k * R ..]. */
    abstract void single(int k, float[] x, float[] out);

    /**
     * Tile k with inputs t0 .. t0 + n - 1 (n at most 3; past the last, the last input repeats),
     * results for rows below {@link #rows}.
     */
    abstract void group(int k, float[] x, int xs, int t0, int n, float[] out, int os);

    @Override
    public float get(long index) {
        int r = (int) (index / cols), c = (int) (index % cols);
        return toFloat(segment.get(LE, (long) (r / R) * cols * COLUMN + c * COLUMN + at(r % R)));
    }

    @Override
    public void decode(long start, float[] dst, int off, int len) {
        for (int i = 0; i < len; i++) dst[off + i] = get(start + i);
    }

    @Override
    public WeightTensor rowSlice(int from, int count) {
        if (from % R != 0) throw new IllegalArgumentException(name + ": a row slice of " + dtype() + " tiles starts at a multiple of " + R + ", not " + from);
        int k0 = from / R, k1 = tileCount(from + count);
        return view(name + "[" + from + ":" + (from + count) + "]", segment.asSlice(k0 * cols * COLUMN, (k1 - k0) * cols * COLUMN), count);
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
            even = Math.fma(toFloat(segment.get(LE, base + c * COLUMN)), x[xOff + c], even);
            odd = Math.fma(toFloat(segment.get(LE, base + (c + 1) * COLUMN)), x[xOff + c + 1], odd);
        }
        if (c < cols) even = Math.fma(toFloat(segment.get(LE, base + c * COLUMN)), x[xOff + c], even);
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
     * inputs, each widening a column once for all of them (K + 1 = 5: three, then two, the
     * second finding the tile in cache).
     */
    @Override
    public final void matmul(float[] x, int xStride, int T, float[] out, int outStride, int j0, int j1) {
        if (j0 % R != 0 || (j1 % R != 0 && j1 != rows)) throw new IllegalArgumentException(name + ": rows [" + j0 + ", " + j1 + ") do not start and end on tiles of " + R);
        int k1 = tileCount(j1);
        for (int k = j0 / R; k < k1; k++) {
            if (T == 1 && (k + 1) * R <= rows) single(k, x, out);
            else for (int t0 = 0; t0 < T; t0 += 3) group(k, x, xStride, t0, Math.min(3, T - t0), out, outStride);
        }
    }

    private static final ThreadLocal<float[]> SUMS = ThreadLocal.withInitial(() -> new float[6 * N]);

    /** The scratch {@link #group} leaves its sums in before {@link #store}. */
    static float[] sums() {
        return SUMS.get();
    }

    /** Copies {@link #group}'s sums (low rows, then high rows, per input) to out for the tile's rows below {@link #rows}. */
    final void store(float[] s, int k, int t0, int n, float[] out, int os) {
        int r0 = k * R, valid = Math.min(R, rows - r0);
        for (int q = 0; q < n; q++) System.arraycopy(s, 2 * q * N, out, (t0 + q) * os + r0, valid);
    }
}
