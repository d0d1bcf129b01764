package specdec.engine.tensor;

import jdk.incubator.vector.FloatVector;
import specdec.engine.SpecdecException;

import java.lang.foreign.MemorySegment;

/**
 * A weight matrix [rows, cols] (or a vector, rows = 1) of one dtype, read where it lies in the
 * memory-mapped file. Each dtype subclass brings its own vectorised dot products; the row
 * loop and register blocking over T inputs live here. {@link Tiles} lay rows out for their own
 * kernels and bring their own loop.
 */
public abstract sealed class WeightTensor permits F32Weight, F16Weight, BF16Weight, Q8Weight, Q4Weight, Tiles {
    protected final String name;
    protected final MemorySegment segment;
    protected final int rows;
    protected final int cols;
    private final MemorySegment[] rowSegments;

    protected WeightTensor(String name, MemorySegment segment, int rows, int cols) {
        this(name, segment, rows, cols, -1);
    }

    /** A weight of {@code bytes} in a layout of its own (no row views); -1: rows one after another. */
    protected WeightTensor(String name, MemorySegment segment, int rows, int cols, long bytes) {
        this.name = name;
        this.segment = segment;
        this.rows = rows;
        this.cols = cols;
        if (dtype().isQuantized() && cols % DType.BLOCK != 0) {
            throw new IllegalArgumentException(name + ": " + cols + " columns are not whole blocks of " + DType.BLOCK);
        }
        long rowBytes = dtype().rowBytes(cols);
        boolean rowMajor = bytes < 0;
        if (segment.byteSize() != (rowMajor ? rows * rowBytes : bytes)) {
            throw new IllegalArgumentException(name + ": segment of " + segment.byteSize() + " bytes does not hold [" + rows + ", " + cols + "] " + dtype());
        }
        this.rowSegments = rowMajor ? new MemorySegment[rows] : null;
        for (int r = 0; rowMajor && r < rows; r++) rowSegments[r] = segment.asSlice(r * rowBytes, rowBytes);
    }

    /** Wraps a segment of {@code dtype} as a [rows, cols] weight. */
    public static WeightTensor of(String name, DType dtype, MemorySegment segment, int rows, int cols) {
        return switch (dtype) {
            case F32 -> new F32Weight(name, segment, rows, cols);
            case F16 -> new F16Weight(name, segment, rows, cols, true);
            case BF16 -> new BF16Weight(name, segment, rows, cols);
            case Q8_0 -> new Q8Weight(name, segment, rows, cols);
            case Q4_0 -> new Q4Weight(name, segment, rows, cols);
            default -> throw new SpecdecException("tensor '" + name + "' has dtype " + dtype + "; weights must be F32, F16 or BF16");
        };
    }

    public abstract DType dtype();

    public String name() {
        return name;
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    public long numel() {
        return (long) rows * cols;
    }

    public MemorySegment segment() {
        return segment;
    }

    /**
     * Row {@code j} as its own segment. The kernels index rows through these: with a small
     * segment per row the JIT hoists the bounds checks out of the dot-product loop, which a long
     * offset into the whole tensor does not get; making them once avoids a slice per row per call.
     */
    protected final MemorySegment row(int j) {
        return rowSegments[j];
    }

    /** The rows a {@link #matmul} range starts on, and ends on unless it ends at the last row: the kernels' row group. */
    public int rowGroup() {
        return 4;
    }

    /** Element {@code index} in row-major order. */
    public abstract float get(long index);

    /** Decodes {@code len} elements starting at {@code start} into {@code dst[off..]}. */
    public abstract void decode(long start, float[] dst, int off, int len);

    /** The rows [from, from + count) as a weight of their own (a view, no copy). */
    public WeightTensor rowSlice(int from, int count) {
        long rowBytes = dtype().rowBytes(cols);
        return sameValues(this, name + "[" + from + ":" + (from + count) + "]", segment.asSlice(from * rowBytes, count * rowBytes), count, cols);
    }

    /** A view or rearrangement of {@code source}'s values (a row slice, a transpose): they were checked when it was built. */
    static WeightTensor sameValues(WeightTensor source, String name, MemorySegment segment, int rows, int cols) {
        if (source instanceof F16Weight) return new F16Weight(name, segment, rows, cols, false);
        return of(name, source.dtype(), segment, rows, cols);
    }

    /** dot(row j, x[xOff .. xOff + cols)): one accumulator, lanes summed by {@link Lanes#sum}, then the tail. */
    protected abstract float dot1(int row, float[] x, int xOff);

    /**
     * dot1 of rows {@code row} .. {@code row + 3} with one input, results to out[outOff ..]. F32
     * and BF16 run four independent chains in one loop. F16 and Q4_0, whose widening is long,
     * make four single-row passes: four rows in one loop outgrow what C2 keeps in registers
     * (boxed vectors, measured 3-5x slower), and two measured no faster. So does Q8_0: four rows
     * of 34-byte blocks in one loop measured 1.7x faster alone on one thread but 1.3x slower in
     * a whole GPT-2 step on two. Each class writes its own
     * version even where it is four dot1 calls: a shared one here inlines whichever dot1 it saw
     * first, and once two formats have run through it, it grows past what C2 compiles without
     * boxing (Q8_0 after F16 measured 6x slower).
     */
    protected abstract void dot4x1(int row, float[] x, int xOff, float[] out, int outOff);

    /**
     * {@link #dot4x1} for rows that are not in cache yet: a one-token step, or the pass that
     * streams them first ({@link #singleFirst}). The same bits as dot4x1. BF16 reads the rows one
     * after another here; for F32 one row's single chain is bound by the fma latency (a whole
     * one-token step measured 0-40 % slower that way), so it keeps its four-row loop.
     */
    protected void stream4x1(int row, float[] x, int xOff, float[] out, int outOff) {
        dot4x1(row, x, xOff, out, outOff);
    }

    /**
     * Rows {@code row} .. {@code row + 3} with inputs t0 .. t0 + 3 (indices past T - 1 repeat input
     * T - 1, so one unrolled kernel serves 2 to 4 inputs); results for t < T go to
     * out[t * os + row + r], each summed in dot1's order. F32 and BF16 do it in one loop that
     * streams the four rows at once, leaving the sixteen accumulators in acc[k * N ..]
     * (k = 4 r + input offset) and their scalar tails in acc[16 N + k] for {@link #reduce16}: with
     * the lane sums in the same method it outgrows what C2 keeps in registers and boxes every
     * vector. The other formats take narrower passes over the same rows.
     */
    protected abstract void dot4x4(int row, float[] x, int xs, int t0, int T, float[] out, int os, float[] acc);

    /**
     * Whether this format has {@link #dot2x5}. Five inputs (K = 4, the default draft length) as a
     * 4x4 block and a one-input pass widen every weight twice; the formats whose widening costs
     * most (F16, Q8_0, Q4_0: measured 1.2-1.4x faster on a GPT-2 five-token step) take them in one
     * pass of five. F32 has nothing to widen, and BF16's two-row five-input loop measured 1.3x
     * slower than the 4x4 block and pass.
     */
    protected boolean hasDot2x5() {
        return false;
    }

    /**
     * Whether a lone input left over (T = 4k + 1, in a format without {@link #dot2x5}) takes its
     * four-row pass before the 4x4 blocks instead of after them. F32's one-input pass runs about
     * 2.6 instructions per cache line against the block's 8.5, so the out-of-order window keeps
     * about three times as many lines in flight: streaming the rows in that pass and leaving the
     * block to find them in cache made a five-token F32 forward 9-13 % faster (GPT-2 and
     * TinyLlama, two threads, switched in one process). BF16's one-input pass is as heavy per
     * line as its block (load, widening, shift, fma per sixteen weights) and showed no gain, nor
     * did it with its one-row streaming pass ({@link #stream4x1}).
     */
    protected boolean singleFirst() {
        return false;
    }

    /**
     * Rows {@code row}, {@code row + 1} with inputs t0 .. t0 + 4, one pass: the accumulator of
     * row r and input t0 + k goes to acc[(5 r + k) * N ..], its scalar tail to acc[10 N + 5 r + k],
     * for {@link #reduce2x5}, which the caller runs (inlined into the kernel, the lane sums next to
     * ten live accumulators would outgrow C2's registers).
     */
    protected void dot2x5(int row, float[] x, int xs, int t0, float[] acc) {
        throw new UnsupportedOperationException(dtype() + " has no five-input kernel");
    }

    /** Finishes {@link #dot2x5}: each result summed as dot1 sums it. */
    // Not written over reduceRow: with that extra level inlined into matmul, a GPT-2 q8_0
    // five-token run's matmul compile reached C2's node-count inlining cutoff at Lanes.self.
    private static void reduce2x5(float[] acc, int row, int t0, float[] out, int os) {
        int n = Lanes.N, tails = 10 * n;
        for (int r = 0; r < 2; r++) {
            int k = 5 * r, j = row + r;
            FloatVector s = Lanes.sum4(FloatVector.fromArray(Lanes.F, acc, k * n), FloatVector.fromArray(Lanes.F, acc, (k + 1) * n),
                    FloatVector.fromArray(Lanes.F, acc, (k + 2) * n), FloatVector.fromArray(Lanes.F, acc, (k + 3) * n));
            out[t0 * os + j] = s.lane(Lanes.P0) + acc[tails + k];
            out[(t0 + 1) * os + j] = s.lane(Lanes.P1) + acc[tails + k + 1];
            out[(t0 + 2) * os + j] = s.lane(Lanes.P2) + acc[tails + k + 2];
            out[(t0 + 3) * os + j] = s.lane(Lanes.P3) + acc[tails + k + 3];
            out[(t0 + 4) * os + j] = Lanes.sum(FloatVector.fromArray(Lanes.F, acc, (k + 4) * n)) + acc[tails + k + 4];
        }
    }

    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[16 * Lanes.N + 16]);

    /**
     * Finishes one row of a row-at-a-time {@link #dot4x4} that left its four accumulators in
     * acc[k * N ..] and their tails in acc[4 N + k]: out[(t0 + k) * os + row] for t0 + k < T,
     * summed as dot1 sums. Out of the kernel: in a whole-model run the lane sums, parsed into the
     * kernel's C2 compile, reached its node-count inlining cutoff and their vectors were boxed.
     */
    protected static void reduce1x4(float[] acc, int row, int t0, int T, float[] out, int os) {
        reduceRow(acc, 0, 4 * Lanes.N, row, t0, T, out, os);
    }

    /** Sums the four accumulators from acc[v * N ..] and adds the tails at acc[tails ..]: row {@code row}, inputs t0 .. t0 + 3 below T. */
    private static void reduceRow(float[] acc, int v, int tails, int row, int t0, int T, float[] out, int os) {
        int n = Lanes.N;
        FloatVector s = Lanes.sum4(FloatVector.fromArray(Lanes.F, acc, v * n), FloatVector.fromArray(Lanes.F, acc, (v + 1) * n),
                FloatVector.fromArray(Lanes.F, acc, (v + 2) * n), FloatVector.fromArray(Lanes.F, acc, (v + 3) * n));
        out[t0 * os + row] = s.lane(Lanes.P0) + acc[tails];
        if (t0 + 1 < T) out[(t0 + 1) * os + row] = s.lane(Lanes.P1) + acc[tails + 1];
        if (t0 + 2 < T) out[(t0 + 2) * os + row] = s.lane(Lanes.P2) + acc[tails + 2];
        if (t0 + 3 < T) out[(t0 + 3) * os + row] = s.lane(Lanes.P3) + acc[tails + 3];
    }

    /** Finishes a one-loop {@link #dot4x4}: sums the lanes of its sixteen accumulators, adds their tails. */
    protected static void reduce16(float[] acc, int row, int t0, int T, float[] out, int os) {
        for (int r = 0; r < 4; r++) reduceRow(acc, 4 * r, 16 * Lanes.N + 4 * r, row + r, t0, T, out, os);
    }

    /**
     * x as this weight's kernels read it, made once on this thread for several
     * {@link #matmulPrepared} calls over ranges of rows: x itself here; formats that read their
     * inputs in another form ({@link Tiles}) return this thread's array of them.
     */
    public float[] prepare(float[] x, int xStride, int T) {
        return x;
    }

    /** The row stride of what {@link #prepare} returned for x: xStride where it returned x. */
    public int preparedStride(float[] prepared, float[] x, int xStride) {
        return xStride;
    }

    /** {@link #matmul} on inputs that {@link #prepare} made. */
    public void matmulPrepared(float[] in, int inStride, int T, float[] out, int outStride, int j0, int j1) {
        matmul(in, inStride, T, out, outStride, j0, j1);
    }

    /**
     * out[t * outStride + j] = sum_i W[j, i] * x[t * xStride + i] for t < T and j in [j0, j1).
     * Rows go four at a time. The inputs go four at a time through a 4x4 block; two or three left
     * over take one more block (repeating the last input) rather than a pass each, and a single
     * one a four-row pass; five left over (K = 4) take one five-input pass where the format has
     * one ({@link #dot2x5}). The first pass streams the rows from memory (the widest, or for F32
     * the lone input's, see {@link #singleFirst}) and later passes find them in cache, so a
     * K + 1-token verification reads the weights once, like a one-token step; every result is
     * the same bits whatever T is and whatever the order of the passes.
     */
    public void matmul(float[] x, int xStride, int T, float[] out, int outStride, int j0, int j1) {
        int j = j0;
        float[] acc = T > 1 ? SCRATCH.get() : null;
        boolean five = hasDot2x5();
        boolean single = T > 1 && T % 4 == 1 && singleFirst();
        int end = single ? T - 1 : T;
        for (; j + 3 < j1; j += 4) {
            if (single) stream4x1(j, x, end * xStride, out, end * outStride + j);
            for (int t0 = 0; t0 < end; ) {
                int n = end - t0;
                if (n == 5 && five) {
                    dot2x5(j, x, xStride, t0, acc);
                    reduce2x5(acc, j, t0, out, outStride);
                    dot2x5(j + 2, x, xStride, t0, acc);
                    reduce2x5(acc, j + 2, t0, out, outStride);
                    t0 += 5;
                } else {
                    if (n == 1 && t0 == 0) stream4x1(j, x, 0, out, j);
                    else if (n == 1) dot4x1(j, x, t0 * xStride, out, t0 * outStride + j);
                    else dot4x4(j, x, xStride, t0, T, out, outStride, acc);
                    t0 += 4;
                }
            }
        }
        for (; j < j1; j++) {
            for (int t = 0; t < T; t++) out[t * outStride + j] = dot1(j, x, t * xStride);
        }
    }

    @Override
    public String toString() {
        return name + " " + dtype() + " [" + rows + ", " + cols + "]";
    }
}
