package specdec.engine.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Weights repacked for the CPU kernels in tiles of R = 2N rows (N float lanes), each lane
 * computing one row: a column's weights widen in place, each input value is broadcast once for
 * the tile, and no row ends in a lane sum (see {@link F32Tiles}, {@link BlockTiles}, {@link HalfTiles}). Tiles lie one
 * after another, the last padded with zero rows. Here: the tiles, the driver over them and the
 * row-at-a-time methods, which only the scalar reference ({@link #dot1}) backs.
 */
public abstract sealed class Tiles extends WeightTensor permits F32Tiles, BlockTiles, HalfTiles {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    static final int N = F.length(), R = 2 * N;
    static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    /**
     * 1, as a stride the JIT does not know: a loop stepping by it is not a counted loop to C2,
     * which then leaves it rolled. The 16-bit tiles' passes step by it: C2 unrolls their loops
     * (the one-input pass eightfold, its loads gathered at the top, broadcasts spilled), and
     * unrolled they stream from memory slower (TinyLlama 1.1B on two cores of an Intel Xeon, one
     * token: 10.9 against 13.8 tok/s at bf16, 10.3 against 13.2 at f16; docs/benchmarks.md,
     * session 16); so does Q4_0's one-input pass over a block's ints ({@link BlockTiles#pass1}:
     * GPT-2 124M at q4_0, 199 against 231–235 tok/s). Q8_0's and F32's passes measured no faster
     * rolled. Never written.
     */
    static int step = 1;

    final MemorySegment[] tiles;
    private final long tileBytes;

    Tiles(String name, MemorySegment segment, int rows, int cols, long tileBytes) {
        super(name, segment, rows, cols, tileCount(rows) * tileBytes);
        this.tileBytes = tileBytes;
        this.tiles = new MemorySegment[tileCount(rows)];
        for (int k = 0; k < tiles.length; k++) tiles[k] = segment.asSlice(k * tileBytes, tileBytes);
    }

    static int tileCount(int rows) {
        return (rows + R - 1) / R;
    }

    /** Byte offset of row i's 16-bit value (i within its tile) in a vector of int lanes holding rows j and N + j. */
    static long halfAt(int i) {
        return 4L * (i % N) + 2L * (i / N);
    }

    /**
     * Finite f16 values of rows j (shift 16) or rows N + j (shift 0) from int lanes holding rows j
     * and N + j, as floats: each half moved to the top of its lane, shifted right arithmetically
     * into float position, its sign kept at bit 31 and its copies and the other half masked off,
     * and rebiased by {@code magic}: 2^112 gives the halves themselves, exactly, 2^(112 - e) halves
     * held times 2^e (the tiles' scales and F16 weights: {@link Halfs#normalisingExponent}). Three
     * or four operations where {@link F16Weight#widen} takes five (F16 weights and Q8_0 scales
     * that reach the tiles are finite).
     */
    static FloatVector widen(IntVector v, int shift, float magic) {
        return widen(v, shift).mul(magic);
    }

    /** {@link #widen(IntVector, int, float)} without the rebiasing: the halves times 2^-112, exactly (subnormal floats for subnormal halves). */
    static FloatVector widen(IntVector v, int shift) {
        IntVector h = shift == 0 ? v : v.lanewise(VectorOperators.LSHL, shift);
        return h.lanewise(VectorOperators.ASHR, 3).and(0x8fffe000).reinterpretAsFloats();
    }

    /** The same format's tiles over {@code segment}, a run of this weight's tiles. */
    abstract Tiles view(String name, MemorySegment segment, int rows);

    /**
     * One input over tile k and, where a format reads several at once, the next ones, of the
     * {@code full} full tiles from k on; results to out[k * R ..]. Returns how many tiles it took.
     */
    abstract int single(int k, int full, float[] x, float[] out);

    private static final ThreadLocal<float[]> INPUTS = ThreadLocal.withInitial(() -> new float[0]);

    /** This thread's array for {@link #prepare}, at least {@code size} long (grown, never per call). */
    static float[] inputBuffer(int size) {
        float[] in = INPUTS.get();
        if (in.length < size) INPUTS.set(in = new float[size]);
        return in;
    }

    /** The stride of {@link #prepare}'s array where it is not x. */
    int inputStride() {
        throw new UnsupportedOperationException();
    }

    /** The most inputs {@link #group} takes in one pass: K + 1 for K = 4, in every format. */
    static final int PASS = 5;

    /**
     * Tile k and, where a format reads several at once, the next ones of the {@code full} full
     * tiles from k on (none when k is the partial last one), with inputs t0 .. t0 + n - 1 (n at
     * most {@link #PASS}; past the last, the last input repeats); results for rows below
     * {@link #rows} (through {@link #store}). Returns how many tiles it took, the same for every
     * t0.
     */
    abstract int group(int k, int full, float[] x, int xs, int t0, int n, float[] out, int os);

    @Override
    public WeightTensor rowSlice(int from, int count) {
        if (from % R != 0) throw new IllegalArgumentException(name + ": a row slice of " + dtype() + " tiles starts at a multiple of " + R + ", not " + from);
        int k0 = from / R, k1 = tileCount(from + count);
        return view(name + "[" + from + ":" + (from + count) + "]", segment.asSlice(k0 * tileBytes, (k1 - k0) * tileBytes), count);
    }

    /** Whole tiles; a format that reads several tiles at once asks for that many (a range may still start on any tile). */
    @Override
    public int rowGroup() {
        return R;
    }

    @Override
    public final void decode(long start, float[] dst, int off, int len) {
        for (int i = 0; i < len; i++) dst[off + i] = get(start + i);
    }

    @Override
    protected final void dot4x1(int row, float[] x, int xOff, float[] out, int outOff) {
        for (int k = 0; k < 4; k++) out[outOff + k] = dot1(row + k, x, xOff);
    }

    @Override
    protected final void dot4x4(int row, float[] x, int xs, int t0, int T, float[] out, int os, float[] acc) {
        for (int t = t0; t < Math.min(t0 + 4, T); t++) dot4x1(row, x, t * xs, out, t * os + row);
    }

    /**
     * out[t * outStride + j] for t < T, j in [j0, j1): j0 a multiple of {@link #rowGroup()}, j1
     * too or the last row (or a multiple of R, the tile). One input takes passes of one tile or,
     * where a format reads several at once, of more; more inputs take passes of up to
     * {@link #PASS} inputs, each loading and widening a column once for all of them (K + 1 =
     * 5: one pass in every format; two or three: a narrower pass where a format has one).
     */
    @Override
    public final void matmul(float[] x, int xStride, int T, float[] out, int outStride, int j0, int j1) {
        float[] in = prepare(x, xStride, T);
        matmulPrepared(in, preparedStride(in, x, xStride), T, out, outStride, j0, j1);
    }

    @Override
    public final int preparedStride(float[] prepared, float[] x, int xStride) {
        return prepared == x ? xStride : inputStride();
    }

    @Override
    public final void matmulPrepared(float[] x, int xStride, int T, float[] out, int outStride, int j0, int j1) {
        if (j0 % R != 0 || (j1 % R != 0 && j1 != rows)) throw new IllegalArgumentException(name + ": rows [" + j0 + ", " + j1 + ") do not start and end on tiles of " + R);
        int k1 = tileCount(j1), width = PASS;
        int full = Math.min(k1, rows / R);
        for (int k = j0 / R; k < k1; ) {
            if (T == 1 && k < full) {
                k += single(k, full - k, x, out);
            } else {
                int took = 1;
                for (int t0 = 0; t0 < T; t0 += width) took = group(k, full - k, x, xStride, t0, Math.min(width, T - t0), out, outStride);
                k += took;
            }
        }
    }

    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[20 * N]);

    /** Room for {@link #group}'s sums (low rows, then high rows, per input and tile). */
    static float[] scratch() {
        return SCRATCH.get();
    }

    /** Copies {@link #group}'s sums from {@link #scratch} to out, for the tile's rows below {@link #rows}. */
    final void store(float[] s, int k, int t0, int n, float[] out, int os) {
        store(s, 0, k, t0, n, out, os);
    }

    /** {@link #store} from s[from ..]. */
    final void store(float[] s, int from, int k, int t0, int n, float[] out, int os) {
        int r0 = k * R, valid = Math.min(R, rows - r0);
        for (int q = 0; q < n; q++) System.arraycopy(s, from + 2 * q * N, out, (t0 + q) * os + r0, valid);
    }
}
