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
 * Quantised blocks (Q8_0, Q4_0) in {@link Tiles}: the same blocks, values and bytes per weight as
 * the row layouts, a tile's rows interleaved so that each float lane computes one row. Here: the
 * block scales (per block of 32 columns, the R scales as f16, int lane j holding those of rows j
 * and N + j), the repacking, the driver, and Q4_0's values; {@link Q8Tiles} lays out and reads
 * its values its own way (a column's bytes) and overrides what reads them.
 *
 * <p>Values in slots (Q4_0), per block after its scales: groups of columns, each two vectors of
 * N int lanes: lane j of the first holds row j's values for the group's columns, lane j of the
 * second row N + j's, column g * S + s of group g in bits s * B .. s * B + B - 1 (S values of B
 * bits per int: Q4_0 8 of 4). A value is then one mask and one conversion away from a float:
 * slot s gives v * 2^(sB), exactly, and the kernels read the inputs pre-scaled by 2^(-sB)
 * ({@link #prepare}). Slots below the top hold the value plus a bias (8: Q4_0's stored nibble),
 * taken off once per block as bias times the block's input sum over those slots; the top slot,
 * whose mask takes the sign bit, holds the value itself, as a two's complement field. The last
 * tile is padded with zero rows.
 *
 * <p>Every result is a sum in one order, whatever T ({@link #dot1} is that order, scalar): per
 * block one chain over its columns in order, starting from the bias taken off, then total =
 * fma(chain, scale, total) block by block. One chain per block and row (not two, even and odd
 * columns, as before) lets five inputs take one pass in registers, ten chains where twenty
 * spilled (a five-token forward of GPT-2 at q8_0, then in slots too, on both cores: 14.7–16.9
 * ms against 18.9–20.2), while a lone input runs two tiles in one loop for four chains in flight.
 */
public abstract sealed class BlockTiles extends Tiles permits Q8Tiles, Q4Tiles {
    static final long SCALES = 2L * R, VECTOR = 4L * N;
    static final ValueLayout.OfShort LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    final int blocks;
    /** Values per int (S = 32 / B), bits per value (B), the bias of the slots below the top. */
    private final int slots, bits, bias;
    /** 2^(-sB) for the columns of a vector of inputs. */
    private final float[] slotScales = new float[N];
    /**
     * The tiles hold the block scales times 2^scaleExponent ({@link #scaleExponent(WeightTensor,
     * int)}), so that their widening makes no subnormal float; {@link #magic}, 2^(112 -
     * scaleExponent), rebiases them to the scales themselves, and {@link #scale} reads one.
     */
    final int scaleExponent;
    final float magic;
    private final float unscale;

    BlockTiles(String name, MemorySegment segment, int rows, int cols, int bits, int bias, int scaleExponent) {
        super(name, segment, rows, cols, (cols / DType.BLOCK) * blockBytes(bits));
        this.scaleExponent = scaleExponent;
        this.magic = Math.scalb(1f, 112 - scaleExponent);
        this.unscale = Math.scalb(1f, -scaleExponent);
        Quantize.requireVectorWidth(name);
        this.blocks = cols / DType.BLOCK;
        this.slots = 32 / bits;
        this.bits = bits;
        this.bias = bias;
        for (int i = 0; i < N; i++) slotScales[i] = Math.scalb(1f, -bits * (i % slots));
    }

    /** A tile's bytes per block: R scales and R * 32 values of {@code bits} bits. */
    static long blockBytes(int bits) {
        return 2L * R + 4L * R * bits;
    }

    /** Row i's values (from its row-layout blocks, {@code blockBytes} each) to their places in a tile's bytes. */
    @FunctionalInterface
    interface Scatter {
        void scatter(byte[] row, byte[] tile, int i, int blocks);
    }

    /**
     * {@code q}'s blocks in tiles (in parallel), allocated in {@code arena}, or null when one of
     * its scales is not finite (a weight beyond f16's range), which the kernels' f16 widening
     * does not handle. Through arrays, a method per row (see {@link F32Tiles#of}).
     */
    static MemorySegment repack(WeightTensor q, Arena arena, int rowBlockBytes, int bits, int scaleExponent, Scatter scatter) {
        int rows = q.rows(), blocks = q.cols() / DType.BLOCK;
        MemorySegment src = q.segment();
        if (IntStream.range(0, rows).parallel().anyMatch(r -> nonFiniteScale(src, r, blocks, rowBlockBytes))) return null;
        long tileBytes = blocks * blockBytes(bits);
        MemorySegment dst = OffHeap.allocate(arena, tileCount(rows) * tileBytes);
        IntStream.range(0, tileCount(rows)).parallel().forEach(k -> {
            byte[] row = new byte[blocks * rowBlockBytes], tile = new byte[(int) tileBytes];
            for (int i = 0; i < R && k * R + i < rows; i++) {
                MemorySegment.copy(src, ValueLayout.JAVA_BYTE, (long) (k * R + i) * row.length, row, 0, row.length);
                scatter.scatter(row, tile, i, blocks);
            }
            if (scaleExponent != 0) scaleScales(tile, blocks, blockBytes(bits), scaleExponent);
            MemorySegment.copy(tile, 0, dst, ValueLayout.JAVA_BYTE, k * tileBytes, tile.length);
        });
        return dst;
    }

    /**
     * The largest power of two, up to 2^10, that keeps {@code q}'s largest block scale within
     * f16: why, as in {@link F16Tiles}: a block scale below 2^-14 (a Q8_0 block whose largest
     * weight is below 0.0078, as in GPT-2's residual projections, initialised at standard
     * deviation 0.004) widened to a subnormal float, which Intel cores multiply on a slow path
     * (one [3072, 768] Q8_0 matrix of those, one thread: 295 µs against 121 at 0.02).
     */
    static int scaleExponent(WeightTensor q, int rowBlockBytes) {
        int blocks = q.cols() / DType.BLOCK;
        MemorySegment src = q.segment();
        int max = IntStream.range(0, q.rows()).parallel().map(r -> {
            int m = 0;
            for (int b = 0; b < blocks; b++) m = Math.max(m, src.get(LE, ((long) r * blocks + b) * rowBlockBytes) & 0x7fff);
            return m;
        }).max().orElse(0);
        return Halfs.normalisingExponent(max);
    }

    /** A tile's block scales times 2^e (exact: {@link #scaleExponent(WeightTensor, int)} keeps them within f16). */
    private static void scaleScales(byte[] tile, int blocks, long blockBytes, int e) {
        float up = Math.scalb(1f, e);
        for (int b = 0; b < blocks; b++) {
            for (int i = 0; i < R; i++) {
                int at = (int) (b * blockBytes + halfAt(i));
                short h = Halfs.floatToF16(Halfs.f16ToFloat((short) ((tile[at] & 0xff) | tile[at + 1] << 8)) * up);
                tile[at] = (byte) h;
                tile[at + 1] = (byte) (h >> 8);
            }
        }
    }

    private static boolean nonFiniteScale(MemorySegment src, int r, int blocks, int rowBlockBytes) {
        for (int b = 0; b < blocks; b++) {
            if (F16Weight.nonFinite(src.get(LE, ((long) r * blocks + b) * rowBlockBytes))) return true;
        }
        return false;
    }

    /**
     * Puts value v (-bias .. bias - 1) of row i and column c (both within their tile and block)
     * into the block of a tile's bytes at base, for S = 32 / bits slots.
     */
    static void put(byte[] tile, int base, int i, int c, int v, int bits, int bias) {
        int slots = 32 / bits, s = c % slots;
        int field = (s == slots - 1 ? v : v + bias) & ((1 << bits) - 1);
        tile[base + (int) at(i, c, bits)] |= (byte) (field << (s * bits % 8));
    }

    /** Byte of row i's value in column c (both within their tile and block), from the block's start. */
    private static long at(int i, int c, int bits) {
        int slots = 32 / bits, s = c % slots;
        return SCALES + (2L * (c / slots) + i / N) * VECTOR + 4L * (i % N) + (long) s * bits / 8;
    }

    /** The value (-bias .. bias - 1) of row i and column c in the block at base. */
    private int value(long base, int i, int c) {
        int s = c % slots, shift = s * bits % 8;
        int f = (segment.get(ValueLayout.JAVA_BYTE, base + at(i, c, bits)) >>> shift) & ((1 << bits) - 1);
        return s == slots - 1 ? (f << (32 - bits)) >> (32 - bits) : f - bias;
    }

    /** Row i's block scale (i within its tile) in the block at base. */
    final float scale(long base, int i) {
        return Halfs.f16ToFloat(segment.get(LE, base + halfAt(i))) * unscale;
    }

    final long blockAt(int tile, int block) {
        return ((long) tile * blocks + block) * blockBytes(bits);
    }

    @Override
    public float get(long index) {
        int r = (int) (index / cols), c = (int) (index % cols);
        long base = blockAt(r / R, c / DType.BLOCK);
        int i = r % R;
        return scale(base, i) * value(base, i, c % DType.BLOCK);
    }

    /** Pairs of tiles, so that the threads' ranges get the one-input passes over two tiles at once. */
    @Override
    public final int rowGroup() {
        return 2 * R;
    }

    @Override
    final int inputStride() {
        return cols + blocks;
    }


    /** Two tiles at a time; a lone one (an odd count's last) through the pass of three. */
    @Override
    final int single(int k, int full, float[] x, float[] out) {
        if (full >= 2) {
            kernel1(k, x, out);
            return 2;
        }
        store(kernel3(k, x, 0, 0, 0), k, 0, 1, out, rows);
        return 1;
    }

    @Override
    final int group(int k, int full, float[] x, int xs, int t0, int n, float[] out, int os) {
        int last = t0 + n - 1;
        int x0 = t0 * xs, x1 = Math.min(t0 + 1, last) * xs, x2 = Math.min(t0 + 2, last) * xs;
        float[] s = n <= 3 ? kernel3(k, x, x0, x1, x2) : kernel5(k, x, x0, x1, x2, Math.min(t0 + 3, last) * xs, Math.min(t0 + 4, last) * xs);
        store(s, k, t0, n, out, os);
        return 1;
    }

    // A format's passes with its constants: the kernel* methods are compiled each on its own (a
    // CompileCommand keeps them from being inlined: two passes in one compilation took C2 past its
    // node count, docs/benchmarks.md).

    /** {@link #pass1} over tiles k and k + 1. */
    abstract void kernel1(int k, float[] x, float[] out);

    /** {@link #pass3} over tile k. */
    abstract float[] kernel3(int k, float[] x, int x0, int x1, int x2);

    /** {@link #pass5} over tile k. */
    abstract float[] kernel5(int k, float[] x, int x0, int x1, int x2, int x3, int x4);

    /** Per input: its values times 2^(-sB), exact, then per block -bias * (its sum outside the top slot), where the block's chains start. */
    @Override
    public float[] prepare(float[] x, int xStride, int T) {
        int stride = inputStride();
        float[] in = inputBuffer(T * stride);
        for (int t = 0; t < T; t++) blockInput(x, t * xStride, in, t * stride);
        return in;
    }

    /** Four partial sums by column % 4, added as (0 + 1) + (2 + 3). */
    private void blockInput(float[] x, int xOff, float[] in, int off) {
        FloatVector scales = FloatVector.fromArray(F, slotScales, 0);
        for (int c = 0; c < cols; c += N) FloatVector.fromArray(F, x, xOff + c).mul(scales).intoArray(in, off + c);
        for (int b = 0; b < blocks; b++) {
            int c0 = xOff + b * DType.BLOCK;
            float p0 = 0, p1 = 0, p2 = 0, p3 = 0;
            for (int c = 0; c < DType.BLOCK; c += 4) {
                p0 += x[c0 + c];
                p1 += x[c0 + c + 1];
                p2 += x[c0 + c + 2];
                if ((c + 3) % slots != slots - 1) p3 += x[c0 + c + 3];
            }
            in[off + cols + b] = -(bias * ((p0 + p1) + (p2 + p3)));
        }
    }

    /** The scalar reference: the kernels' order of operations, one row (on the inputs as {@link #prepare} makes them). */
    @Override
    protected float dot1(int row, float[] x, int xOff) {
        float[] in = new float[inputStride()];
        blockInput(x, xOff, in, 0);
        int i = row % R;
        float total = 0;
        for (int b = 0; b < blocks; b++) {
            long base = blockAt(row / R, b);
            float chain = in[cols + b];
            for (int c = 0; c < DType.BLOCK; c++) {
                int s = c % slots, v = value(base, i, c);
                float w = (s == slots - 1 ? v : v + bias) * Math.scalb(1f, bits * s);
                chain = Math.fma(w, in[b * DType.BLOCK + c], chain);
            }
            total = Math.fma(chain, scale(base, i), total);
        }
        return total;
    }

    /** The fields of slot s as floats: (value + bias) * 2^(s * bits), the value * 2^(s * bits) in the top slot. */
    private static FloatVector slot(IntVector v, int s, int bits) {
        return (FloatVector) v.and(((1 << bits) - 1) << bits * s).convert(VectorOperators.I2F, 0);
    }

    private static IntVector load(MemorySegment t, long offset) {
        return IntVector.fromMemorySegment(I, t, offset, ORDER);
    }

    /**
     * One input over tiles k and k + 1, their sums to out[k * R ..], for values of {@code bits}
     * bits. The kernels here are called with a format's constant and always inlined there (a
     * CompileCommand, as for the vector helpers: {@code BlockTiles::pass*}), so C2 compiles a copy
     * per format with its masks and loop counts folded. Both tiles in one loop, a chain per tile
     * and half (low and high rows): four in flight and two streams from memory (one thread over
     * GPT-2's matrices at Q4_0: 7.8 ms, against 11.6 a tile at a time with two chains, 10.5 with
     * the tiles one after another in each block, and 9.6 for the earlier order's four chains in
     * one tile). A block's chains then go through the scratch array to the totals in out, in a
     * loop over the two tiles: written out twice, the scales' widening took C2 to its node count.
     */
    static void pass1(MemorySegment[] tiles, int k, int blocks, int cols, float[] x, float[] out, int bits, float magic) {
        int slots = 32 / bits;
        long block = blockBytes(bits), lines = Prefetch.lines(block);
        MemorySegment t = tiles[k], u = tiles[k + 1];
        float[] chains = scratch();
        for (int i = k * R; i < (k + 2) * R; i += N) FloatVector.zero(F).intoArray(out, i);
        for (int b = 0; b < blocks; b++) {
            long base = b * block;
            Prefetch.ahead(t, u, base, lines);
            FloatVector lo = FloatVector.broadcast(F, x[cols + b]), hi = lo, lo1 = lo, hi1 = lo;
            for (int q = 0, step = Tiles.step; q < DType.BLOCK / slots; q += step) {
                IntVector l = load(t, base + SCALES + 2 * q * VECTOR), h = load(t, base + SCALES + (2 * q + 1) * VECTOR);
                IntVector l1 = load(u, base + SCALES + 2 * q * VECTOR), h1 = load(u, base + SCALES + (2 * q + 1) * VECTOR);
                int c = b * DType.BLOCK + slots * q;
                for (int s = 0; s < slots; s++) {
                    FloatVector y = FloatVector.broadcast(F, x[c + s]);
                    lo = slot(l, s, bits).fma(y, lo);
                    hi = slot(h, s, bits).fma(y, hi);
                    lo1 = slot(l1, s, bits).fma(y, lo1);
                    hi1 = slot(h1, s, bits).fma(y, hi1);
                }
            }
            lo.intoArray(chains, 0);
            hi.intoArray(chains, N);
            lo1.intoArray(chains, R);
            hi1.intoArray(chains, R + N);
            for (int p = 0; p < 2; p++) {
                IntVector sc = load(tiles[k + p], base);
                int at = (k + p) * R;
                FloatVector.fromArray(F, chains, p * R).fma(widen(sc, 16, magic), FloatVector.fromArray(F, out, at)).intoArray(out, at);
                FloatVector.fromArray(F, chains, p * R + N).fma(widen(sc, 0, magic), FloatVector.fromArray(F, out, at + N)).intoArray(out, at + N);
            }
        }
    }

    /**
     * Three inputs (x0, x1, x2) over tile t, six chains: {@link #pass5} for
     * groups of two or three inputs, which it would take at the cost of five.
     */
    static float[] pass3(MemorySegment t, int blocks, int cols, float[] x, int x0, int x1, int x2, int bits, float magic) {
        int slots = 32 / bits;
        long block = blockBytes(bits), lines = Prefetch.lines(block);
        float[] tot = scratch();
        java.util.Arrays.fill(tot, 0, 6 * N, 0f);
        for (int b = 0; b < blocks; b++) {
            long base = b * block;
            Prefetch.ahead(t, base, lines);
            FloatVector l0 = FloatVector.broadcast(F, x[x0 + cols + b]), h0 = l0, l1 = FloatVector.broadcast(F, x[x1 + cols + b]), h1 = l1;
            FloatVector l2 = FloatVector.broadcast(F, x[x2 + cols + b]), h2 = l2;
            for (int q = 0; q < DType.BLOCK / slots; q++) {
                IntVector l = load(t, base + SCALES + 2 * q * VECTOR), h = load(t, base + SCALES + (2 * q + 1) * VECTOR);
                int c = b * DType.BLOCK + slots * q;
                for (int s = 0; s < slots; s++) {
                    FloatVector wl = slot(l, s, bits), wh = slot(h, s, bits), y;
                    y = FloatVector.broadcast(F, x[x0 + c + s]);
                    l0 = wl.fma(y, l0);
                    h0 = wh.fma(y, h0);
                    y = FloatVector.broadcast(F, x[x1 + c + s]);
                    l1 = wl.fma(y, l1);
                    h1 = wh.fma(y, h1);
                    y = FloatVector.broadcast(F, x[x2 + c + s]);
                    l2 = wl.fma(y, l2);
                    h2 = wh.fma(y, h2);
                }
            }
            IntVector scales = load(t, base);
            FloatVector sL = widen(scales, 16, magic), sH = widen(scales, 0, magic);
            l0.fma(sL, FloatVector.fromArray(F, tot, 0)).intoArray(tot, 0);
            h0.fma(sH, FloatVector.fromArray(F, tot, N)).intoArray(tot, N);
            l1.fma(sL, FloatVector.fromArray(F, tot, 2 * N)).intoArray(tot, 2 * N);
            h1.fma(sH, FloatVector.fromArray(F, tot, 3 * N)).intoArray(tot, 3 * N);
            l2.fma(sL, FloatVector.fromArray(F, tot, 4 * N)).intoArray(tot, 4 * N);
            h2.fma(sH, FloatVector.fromArray(F, tot, 5 * N)).intoArray(tot, 5 * N);
        }
        return tot;
    }

    /**
     * Five inputs (x0 .. x4) over tile t, ten chains in registers (low and high
     * rows per input), the sums in the scratch array, which it returns (inlined as
     * {@link #pass1}): each column's values are loaded and widened once for all five.
     */
    static float[] pass5(MemorySegment t, int blocks, int cols, float[] x, int x0, int x1, int x2, int x3, int x4, int bits, float magic) {
        int slots = 32 / bits;
        long block = blockBytes(bits), lines = Prefetch.lines(block);
        float[] tot = scratch();
        java.util.Arrays.fill(tot, 0, 10 * N, 0f);
        for (int b = 0; b < blocks; b++) {
            long base = b * block;
            Prefetch.ahead(t, base, lines);
            FloatVector l0 = FloatVector.broadcast(F, x[x0 + cols + b]), h0 = l0, l1 = FloatVector.broadcast(F, x[x1 + cols + b]), h1 = l1;
            FloatVector l2 = FloatVector.broadcast(F, x[x2 + cols + b]), h2 = l2, l3 = FloatVector.broadcast(F, x[x3 + cols + b]), h3 = l3;
            FloatVector l4 = FloatVector.broadcast(F, x[x4 + cols + b]), h4 = l4;
            for (int q = 0; q < DType.BLOCK / slots; q++) {
                IntVector l = load(t, base + SCALES + 2 * q * VECTOR), h = load(t, base + SCALES + (2 * q + 1) * VECTOR);
                int c = b * DType.BLOCK + slots * q;
                for (int s = 0; s < slots; s++) {
                    FloatVector wl = slot(l, s, bits), wh = slot(h, s, bits), y;
                    y = FloatVector.broadcast(F, x[x0 + c + s]);
                    l0 = wl.fma(y, l0);
                    h0 = wh.fma(y, h0);
                    y = FloatVector.broadcast(F, x[x1 + c + s]);
                    l1 = wl.fma(y, l1);
                    h1 = wh.fma(y, h1);
                    y = FloatVector.broadcast(F, x[x2 + c + s]);
                    l2 = wl.fma(y, l2);
                    h2 = wh.fma(y, h2);
                    y = FloatVector.broadcast(F, x[x3 + c + s]);
                    l3 = wl.fma(y, l3);
                    h3 = wh.fma(y, h3);
                    y = FloatVector.broadcast(F, x[x4 + c + s]);
                    l4 = wl.fma(y, l4);
                    h4 = wh.fma(y, h4);
                }
            }
            IntVector scales = load(t, base);
            FloatVector sL = widen(scales, 16, magic), sH = widen(scales, 0, magic);
            l0.fma(sL, FloatVector.fromArray(F, tot, 0)).intoArray(tot, 0);
            h0.fma(sH, FloatVector.fromArray(F, tot, N)).intoArray(tot, N);
            l1.fma(sL, FloatVector.fromArray(F, tot, 2 * N)).intoArray(tot, 2 * N);
            h1.fma(sH, FloatVector.fromArray(F, tot, 3 * N)).intoArray(tot, 3 * N);
            l2.fma(sL, FloatVector.fromArray(F, tot, 4 * N)).intoArray(tot, 4 * N);
            h2.fma(sH, FloatVector.fromArray(F, tot, 5 * N)).intoArray(tot, 5 * N);
            l3.fma(sL, FloatVector.fromArray(F, tot, 6 * N)).intoArray(tot, 6 * N);
            h3.fma(sH, FloatVector.fromArray(F, tot, 7 * N)).intoArray(tot, 7 * N);
            l4.fma(sL, FloatVector.fromArray(F, tot, 8 * N)).intoArray(tot, 8 * N);
            h4.fma(sH, FloatVector.fromArray(F, tot, 9 * N)).intoArray(tot, 9 * N);
        }
        return tot;
    }
}
