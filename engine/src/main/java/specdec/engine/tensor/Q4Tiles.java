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
 * Q4_0 weights repacked for the CPU kernels: the same blocks, nibbles and bytes per weight as
 * {@link Q4Weight}, with a tile's rows interleaved so that each float lane computes one row.
 *
 * <p>Tile layout, per block of 32 columns: the R scales (f16; int lane j holds those of rows j
 * and N + j), then four groups of eight columns, each two vectors of N int lanes: lane j of the
 * first holds row j's eight nibbles, lane j of the second row N + j's, column 8q + s of the group
 * in bits 4s .. 4s + 3. A nibble is then one mask and one conversion away from a float: slot s
 * gives n * 16^s, exactly, and the kernels read the inputs pre-scaled by 16^-s ({@link #inputs}).
 * Slots 0 .. 6 hold the stored nibble n (weight = d * (n - 8)), so their -8 is taken off once per
 * block as 8 * (the block's input sum over those slots); slot 7, whose mask takes the sign bit,
 * holds n ^ 8, which reads as n - 8 already. The last tile is padded with zero rows.
 *
 * <p>Every result is a sum in one order, whatever T: per block two chains from zero (even and
 * odd columns), their sum less the block's bias, then total = fma(that, scale, total) block by
 * block ({@link #dot1} is that order, scalar).
 */
public final class Q4Tiles extends Tiles {
    private static final long SCALES = 2L * R, VECTOR = 4L * N, BLOCK = 18L * R;
    private static final ValueLayout.OfShort LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** 16^-s for the columns of a vector of inputs (slot s = column % 8). */
    private static final FloatVector SLOT_SCALES = FloatVector.fromArray(F, slotScales(), 0);
    private static final ThreadLocal<float[]> INPUTS = ThreadLocal.withInitial(() -> new float[0]);

    private final int blocks;

    private Q4Tiles(String name, MemorySegment segment, int rows, int cols) {
        super(name, segment, rows, cols, (cols / DType.BLOCK) * BLOCK);
        Quantize.requireVectorWidth(name);
        this.blocks = cols / DType.BLOCK;
    }

    private static float[] slotScales() {
        float[] s = new float[N];
        for (int i = 0; i < N; i++) s[i] = Math.scalb(1f, -4 * (i % 8));
        return s;
    }

    /**
     * {@code q}'s blocks in tiles (in parallel), allocated in {@code arena}; {@code q} itself when
     * one of its scales is not finite, which the kernels' f16 widening does not handle.
     */
    public static WeightTensor of(WeightTensor q, Arena arena) {
        if (q.dtype() != DType.Q4_0) throw new IllegalArgumentException(q.name() + " is " + q.dtype() + ", not Q4_0");
        if (q instanceof Q4Tiles) return q;
        int rows = q.rows(), cols = q.cols(), blocks = cols / DType.BLOCK;
        MemorySegment src = q.segment();
        if (IntStream.range(0, rows).parallel().anyMatch(r -> nonFiniteScale(src, r, blocks))) return q;
        MemorySegment dst = OffHeap.allocate(arena, tileCount(rows) * blocks * BLOCK);
        IntStream.range(0, tileCount(rows)).parallel().forEach(k -> {
            byte[] row = new byte[blocks * 18], tile = new byte[(int) (blocks * BLOCK)];
            for (int i = 0; i < R && k * R + i < rows; i++) {
                MemorySegment.copy(src, ValueLayout.JAVA_BYTE, (long) (k * R + i) * blocks * 18, row, 0, row.length);
                scatter(row, tile, i, blocks);
            }
            MemorySegment.copy(tile, 0, dst, ValueLayout.JAVA_BYTE, k * (long) blocks * BLOCK, tile.length);
        });
        return new Q4Tiles(q.name(), dst, rows, cols);
    }

    /** Whether a block of row r has a scale beyond f16's finite values (a method per row: see {@link #scatter}). */
    private static boolean nonFiniteScale(MemorySegment src, int r, int blocks) {
        for (int b = 0; b < blocks; b++) {
            if (F16Weight.nonFinite(src.get(LE, ((long) r * blocks + b) * 18))) return true;
        }
        return false;
    }

    /** Row i's blocks to their places in a tile's bytes (arrays and a method of its own: see {@link F32Tiles}). */
    private static void scatter(byte[] row, byte[] tile, int i, int blocks) {
        int h = (int) halfAt(i);
        for (int b = 0; b < blocks; b++) {
            int from = 18 * b, base = (int) (b * BLOCK);
            tile[base + h] = row[from];
            tile[base + h + 1] = row[from + 1];
            for (int c = 0; c < DType.BLOCK; c++) {
                int packed = row[from + 2 + c % 16] & 0xff;
                int n = c < 16 ? packed & 15 : packed >>> 4;
                int at = base + (int) at(i, c);
                tile[at] |= (byte) (held(n, c) << 4 * (c % 2));
            }
        }
    }

    /** The nibble a tile holds for stored nibble n in column c: n, or n ^ 8 in slot 7. */
    private static int held(int n, int c) {
        return c % 8 == 7 ? n ^ 8 : n;
    }

    /** Byte of row i (within its tile) and column c (within its block), from the block's start; column c's nibble is its low half for even c. */
    private static long at(int i, int c) {
        return SCALES + (2L * (c / 8) + i / N) * VECTOR + 4L * (i % N) + (c % 8) / 2;
    }

    /** The stored nibble (0 .. 15) of row i and column c in the block at base. */
    private int nibble(long base, int i, int c) {
        int b = segment.get(ValueLayout.JAVA_BYTE, base + at(i, c)) & 0xff;
        return held((c % 2 == 0 ? b : b >>> 4) & 15, c);
    }

    @Override
    public DType dtype() {
        return DType.Q4_0;
    }

    @Override
    public float get(long index) {
        int r = (int) (index / cols), c = (int) (index % cols);
        long base = ((long) (r / R) * blocks + c / DType.BLOCK) * BLOCK;
        int i = r % R;
        return Halfs.f16ToFloat(segment.get(LE, base + halfAt(i))) * (nibble(base, i, c % DType.BLOCK) - 8);
    }

    @Override
    Tiles view(String name, MemorySegment segment, int rows) {
        return new Q4Tiles(name, segment, rows, cols);
    }

    @Override
    int inputStride() {
        return cols + blocks;
    }

    /**
     * Per input: its values times 16^-(column % 8), exact, then per block 8 * the sum of its
     * values outside slot 7 (four partial sums by column % 4, added as (0 + 1) + (2 + 3)).
     */
    @Override
    float[] inputs(float[] x, int xStride, int T) {
        int stride = inputStride();
        float[] in = INPUTS.get();
        if (in.length < T * stride) INPUTS.set(in = new float[T * stride]);
        for (int t = 0; t < T; t++) prepare(x, t * xStride, in, t * stride);
        return in;
    }

    private void prepare(float[] x, int xOff, float[] in, int off) {
        for (int c = 0; c < cols; c += N) FloatVector.fromArray(F, x, xOff + c).mul(SLOT_SCALES).intoArray(in, off + c);
        for (int b = 0; b < blocks; b++) {
            int c0 = xOff + b * DType.BLOCK;
            float p0 = 0, p1 = 0, p2 = 0, p3 = 0;
            for (int c = 0; c < DType.BLOCK; c += 8) {
                p0 += x[c0 + c] + x[c0 + c + 4];
                p1 += x[c0 + c + 1] + x[c0 + c + 5];
                p2 += x[c0 + c + 2] + x[c0 + c + 6];
                p3 += x[c0 + c + 3];
            }
            in[off + cols + b] = 8 * ((p0 + p1) + (p2 + p3));
        }
    }

    /** The scalar reference: the kernels' order of operations, one row (on the inputs as {@link #inputs} makes them). */
    @Override
    protected float dot1(int row, float[] x, int xOff) {
        float[] in = new float[inputStride()];
        prepare(x, xOff, in, 0);
        long tile = (long) (row / R) * blocks * BLOCK;
        int i = row % R;
        float total = 0;
        for (int b = 0; b < blocks; b++) {
            long base = tile + b * BLOCK;
            float even = 0, odd = 0;
            for (int c = 0; c < DType.BLOCK; c++) {
                int s = c % 8, n = nibble(base, i, c);
                float w = (s == 7 ? n - 8 : n) * Math.scalb(1f, 4 * s);
                float v = in[b * DType.BLOCK + c];
                if (c % 2 == 0) even = Math.fma(w, v, even);
                else odd = Math.fma(w, v, odd);
            }
            total = Math.fma((even + odd) - in[cols + b], Halfs.f16ToFloat(segment.get(LE, base + halfAt(i))), total);
        }
        return total;
    }

    /** The nibbles of slot s as floats n * 16^s (n - 8 for slot 7). */
    private static FloatVector slot(IntVector v, int s) {
        return (FloatVector) v.and(0xF << 4 * s).convert(VectorOperators.I2F, 0);
    }

    private static IntVector load(MemorySegment t, long offset) {
        return IntVector.fromMemorySegment(I, t, offset, ORDER);
    }

    /** Four chains: low and high rows, even and odd columns. */
    @Override
    int single(int k, int full, float[] x, float[] out) {
        MemorySegment t = tiles[k];
        FloatVector aL = FloatVector.zero(F), aH = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long base = b * BLOCK;
            FloatVector le = FloatVector.zero(F), lo = FloatVector.zero(F), he = FloatVector.zero(F), ho = FloatVector.zero(F);
            for (int q = 0; q < 4; q++) {
                IntVector l = load(t, base + SCALES + 2 * q * VECTOR), h = load(t, base + SCALES + (2 * q + 1) * VECTOR);
                int c = b * DType.BLOCK + 8 * q;
                for (int s = 0; s < 8; s += 2) {
                    FloatVector y = FloatVector.broadcast(F, x[c + s]), z = FloatVector.broadcast(F, x[c + s + 1]);
                    le = slot(l, s).fma(y, le);
                    he = slot(h, s).fma(y, he);
                    lo = slot(l, s + 1).fma(z, lo);
                    ho = slot(h, s + 1).fma(z, ho);
                }
            }
            IntVector scales = load(t, base);
            FloatVector bias = FloatVector.broadcast(F, x[cols + b]);
            aL = le.add(lo).sub(bias).fma(widen(scales, 16), aL);
            aH = he.add(ho).sub(bias).fma(widen(scales, 0), aH);
        }
        aL.intoArray(out, k * R);
        aH.intoArray(out, k * R + N);
        return 1;
    }

    /**
     * Three inputs, twelve chains in registers, the totals in the scratch array. Five inputs in one
     * pass measured slower than three and two (334 and 250 µs against 209 for a [3072, 768]
     * matrix): twenty chains at once spilled, and low rows then high rows broadcast each input
     * twice.
     */
    @Override
    int group(int k, int full, float[] x, int xs, int t0, int n, float[] out, int os) {
        MemorySegment t = tiles[k];
        float[] tot = scratch();
        java.util.Arrays.fill(tot, 0f);
        int last = t0 + n - 1;
        int x0 = t0 * xs, x1 = Math.min(t0 + 1, last) * xs, x2 = Math.min(t0 + 2, last) * xs;
        for (int b = 0; b < blocks; b++) {
            long base = b * BLOCK;
            FloatVector le0 = FloatVector.zero(F), lo0 = FloatVector.zero(F), he0 = FloatVector.zero(F), ho0 = FloatVector.zero(F);
            FloatVector le1 = FloatVector.zero(F), lo1 = FloatVector.zero(F), he1 = FloatVector.zero(F), ho1 = FloatVector.zero(F);
            FloatVector le2 = FloatVector.zero(F), lo2 = FloatVector.zero(F), he2 = FloatVector.zero(F), ho2 = FloatVector.zero(F);
            for (int q = 0; q < 4; q++) {
                IntVector l = load(t, base + SCALES + 2 * q * VECTOR), h = load(t, base + SCALES + (2 * q + 1) * VECTOR);
                int c = b * DType.BLOCK + 8 * q;
                for (int s = 0; s < 8; s += 2) {
                    FloatVector wl = slot(l, s), wh = slot(h, s);
                    FloatVector y0 = FloatVector.broadcast(F, x[x0 + c + s]), y1 = FloatVector.broadcast(F, x[x1 + c + s]), y2 = FloatVector.broadcast(F, x[x2 + c + s]);
                    le0 = wl.fma(y0, le0);
                    he0 = wh.fma(y0, he0);
                    le1 = wl.fma(y1, le1);
                    he1 = wh.fma(y1, he1);
                    le2 = wl.fma(y2, le2);
                    he2 = wh.fma(y2, he2);
                    wl = slot(l, s + 1);
                    wh = slot(h, s + 1);
                    y0 = FloatVector.broadcast(F, x[x0 + c + s + 1]);
                    y1 = FloatVector.broadcast(F, x[x1 + c + s + 1]);
                    y2 = FloatVector.broadcast(F, x[x2 + c + s + 1]);
                    lo0 = wl.fma(y0, lo0);
                    ho0 = wh.fma(y0, ho0);
                    lo1 = wl.fma(y1, lo1);
                    ho1 = wh.fma(y1, ho1);
                    lo2 = wl.fma(y2, lo2);
                    ho2 = wh.fma(y2, ho2);
                }
            }
            IntVector scales = load(t, base);
            FloatVector sL = widen(scales, 16), sH = widen(scales, 0);
            FloatVector b0 = FloatVector.broadcast(F, x[x0 + cols + b]), b1 = FloatVector.broadcast(F, x[x1 + cols + b]), b2 = FloatVector.broadcast(F, x[x2 + cols + b]);
            le0.add(lo0).sub(b0).fma(sL, FloatVector.fromArray(F, tot, 0)).intoArray(tot, 0);
            he0.add(ho0).sub(b0).fma(sH, FloatVector.fromArray(F, tot, N)).intoArray(tot, N);
            le1.add(lo1).sub(b1).fma(sL, FloatVector.fromArray(F, tot, 2 * N)).intoArray(tot, 2 * N);
            he1.add(ho1).sub(b1).fma(sH, FloatVector.fromArray(F, tot, 3 * N)).intoArray(tot, 3 * N);
            le2.add(lo2).sub(b2).fma(sL, FloatVector.fromArray(F, tot, 4 * N)).intoArray(tot, 4 * N);
            he2.add(ho2).sub(b2).fma(sH, FloatVector.fromArray(F, tot, 5 * N)).intoArray(tot, 5 * N);
        }
        store(tot, k, t0, n, out, os);
        return 1;
    }
}
