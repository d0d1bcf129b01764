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
 * Q8_0 weights repacked for the CPU kernels (as llama.cpp's CPU backend repacks its quantised
 * blocks): the same blocks, values and bytes per weight as {@link Q8Weight}, with the rows of a
 * tile of R = 2N interleaved so that each float lane computes one row. A column's weights then
 * widen in place (sign extension by shifts, no lane crossing), each input value is broadcast once
 * for R rows, a block's scale multiplies R sums at once, and no row ends in a lane sum.
 *
 * <p>Tile layout, per block of 32 columns: the R scales (f16), int lane j holding those of rows j
 * and N + j, then 16 column pairs of 2R bytes, where int lane j holds rows j and N + j of the pair's
 * first column, then the same rows of its second. The last tile is padded with zero rows.
 *
 * <p>Every result is a sum in one order, whatever T: per block a chain of fmas over its 32 columns
 * from zero, then total = fma(block sum, scale, total) block by block ({@link #dot1} is that
 * order, scalar).
 */
public final class Q8Tiles extends Tiles {
    private static final long PAIR = 2L * R, SCALES = 2L * R, BLOCK = 34L * R;
    private static final ValueLayout.OfShort LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final int blocks;

    private Q8Tiles(String name, MemorySegment segment, int rows, int cols) {
        super(name, segment, rows, cols, (cols / DType.BLOCK) * BLOCK);
        Quantize.requireVectorWidth(name);
        this.blocks = cols / DType.BLOCK;
    }

    /**
     * {@code q}'s blocks in tiles (in parallel), allocated in {@code arena}; {@code q} itself when one of its
     * scales is not finite (a weight beyond f16's range), which the kernels' f16 widening does
     * not handle.
     */
    public static WeightTensor of(WeightTensor q, Arena arena) {
        if (q.dtype() != DType.Q8_0) throw new IllegalArgumentException(q.name() + " is " + q.dtype() + ", not Q8_0");
        if (q instanceof Q8Tiles) return q;
        int rows = q.rows(), cols = q.cols(), blocks = cols / DType.BLOCK;
        MemorySegment src = q.segment();
        if (IntStream.range(0, rows).parallel().anyMatch(r -> nonFiniteScale(src, r, blocks))) return q;
        MemorySegment dst = OffHeap.allocate(arena, tileCount(rows) * blocks * BLOCK);
        IntStream.range(0, tileCount(rows)).parallel().forEach(k -> {
            byte[] row = new byte[blocks * 34], tile = new byte[(int) (blocks * BLOCK)];
            for (int i = 0; i < R && k * R + i < rows; i++) {
                MemorySegment.copy(src, ValueLayout.JAVA_BYTE, (long) (k * R + i) * blocks * 34, row, 0, row.length);
                scatter(row, tile, i, blocks);
            }
            MemorySegment.copy(tile, 0, dst, ValueLayout.JAVA_BYTE, k * (long) blocks * BLOCK, tile.length);
        });
        return new Q8Tiles(q.name(), dst, rows, cols);
    }

    /** Whether a block of row r has a scale beyond f16's finite values (a method per row: see {@link #scatter}). */
    private static boolean nonFiniteScale(MemorySegment src, int r, int blocks) {
        for (int b = 0; b < blocks; b++) {
            if (F16Weight.nonFinite(src.get(LE, ((long) r * blocks + b) * 34))) return true;
        }
        return false;
    }

    /**
     * Row i's blocks (scale, then 32 values each) to their places in a tile's bytes (arrays and a
     * method of its own: see {@link F32Tiles}).
     */
    private static void scatter(byte[] row, byte[] tile, int i, int blocks) {
        int h = (int) halfAt(i);
        for (int b = 0; b < blocks; b++) {
            int from = 34 * b, base = (int) (b * BLOCK);
            tile[base + h] = row[from];
            tile[base + h + 1] = row[from + 1];
            for (int c = 0; c < DType.BLOCK; c++) tile[base + (int) at(i, c)] = row[from + 2 + c];
        }
    }

    /** Byte of row i (within its tile) and column c (within its block), from the block's start. */
    private static long at(int i, int c) {
        return SCALES + (c / 2) * PAIR + 4L * (i % N) + 2L * (c % 2) + i / N;
    }

    @Override
    public DType dtype() {
        return DType.Q8_0;
    }

    @Override
    public float get(long index) {
        int r = (int) (index / cols), c = (int) (index % cols);
        long base = ((long) (r / R) * blocks + c / DType.BLOCK) * BLOCK;
        int i = r % R;
        return Halfs.f16ToFloat(segment.get(LE, base + halfAt(i))) * segment.get(ValueLayout.JAVA_BYTE, base + at(i, c % DType.BLOCK));
    }

    @Override
    Tiles view(String name, MemorySegment segment, int rows) {
        return new Q8Tiles(name, segment, rows, cols);
    }

    /** The scalar reference: the kernels' order of operations, one row. */
    @Override
    protected float dot1(int row, float[] x, int xOff) {
        long tile = (long) (row / R) * blocks * BLOCK;
        int i = row % R;
        float total = 0;
        for (int b = 0; b < blocks; b++) {
            long base = tile + b * BLOCK;
            float sum = 0;
            for (int c = 0; c < DType.BLOCK; c++) sum = Math.fma(segment.get(ValueLayout.JAVA_BYTE, base + at(i, c)), x[xOff + b * DType.BLOCK + c], sum);
            total = Math.fma(sum, Halfs.f16ToFloat(segment.get(LE, base + halfAt(i))), total);
        }
        return total;
    }

    /** Byte 3 - shift / 8 of each int lane, sign-extended, as floats. */
    private static FloatVector q8(IntVector v, int shift) {
        IntVector s = shift == 0 ? v : v.lanewise(VectorOperators.LSHL, shift);
        return (FloatVector) s.lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0);
    }

    /**
     * Two fma chains (low and high rows). Two tiles per pass (four chains, two streams)
     * ran as fast when C2 compiled it whole, but its size reached C2's node-count inlining cutoff
     * in some compiles, and then it ran 10x slower.
     */
    @Override
    int single(int k, int full, float[] x, float[] out) {
        MemorySegment t = tiles[k];
        FloatVector aL = FloatVector.zero(F), aH = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long base = b * BLOCK;
            FloatVector sL = FloatVector.zero(F), sH = FloatVector.zero(F);
            for (int p = 0; p < 16; p++) {
                int c = b * DType.BLOCK + 2 * p;
                IntVector v = IntVector.fromMemorySegment(I, t, base + SCALES + p * PAIR, ORDER);
                FloatVector x0 = FloatVector.broadcast(F, x[c]), x1 = FloatVector.broadcast(F, x[c + 1]);
                sL = q8(v, 24).fma(x0, sL);
                sH = q8(v, 16).fma(x0, sH);
                sL = q8(v, 8).fma(x1, sL);
                sH = q8(v, 0).fma(x1, sH);
            }
            IntVector scales = IntVector.fromMemorySegment(I, t, base, ORDER);
            aL = sL.fma(widen(scales, 16), aL);
            aH = sH.fma(widen(scales, 0), aH);
        }
        aL.intoArray(out, k * R);
        aH.intoArray(out, k * R + N);
        return 1;
    }

    /**
     * The six block sums (three inputs, low and high rows) stay in registers, their totals in the
     * scratch array. Five inputs in one pass (ten block sums) measured 1.9x slower than three and two:
     * C2 boxed one of its vectors in every iteration.
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
            FloatVector l0 = FloatVector.zero(F), h0 = FloatVector.zero(F), l1 = FloatVector.zero(F), h1 = FloatVector.zero(F), l2 = FloatVector.zero(F), h2 = FloatVector.zero(F);
            for (int p = 0; p < 16; p++) {
                int c = b * DType.BLOCK + 2 * p;
                IntVector v = IntVector.fromMemorySegment(I, t, base + SCALES + p * PAIR, ORDER);
                FloatVector lo = q8(v, 24), hi = q8(v, 16), odd = q8(v, 8), oddHi = q8(v, 0);
                FloatVector y0 = FloatVector.broadcast(F, x[x0 + c]), z0 = FloatVector.broadcast(F, x[x0 + c + 1]);
                FloatVector y1 = FloatVector.broadcast(F, x[x1 + c]), z1 = FloatVector.broadcast(F, x[x1 + c + 1]);
                FloatVector y2 = FloatVector.broadcast(F, x[x2 + c]), z2 = FloatVector.broadcast(F, x[x2 + c + 1]);
                l0 = odd.fma(z0, lo.fma(y0, l0));
                h0 = oddHi.fma(z0, hi.fma(y0, h0));
                l1 = odd.fma(z1, lo.fma(y1, l1));
                h1 = oddHi.fma(z1, hi.fma(y1, h1));
                l2 = odd.fma(z2, lo.fma(y2, l2));
                h2 = oddHi.fma(z2, hi.fma(y2, h2));
            }
            IntVector scales = IntVector.fromMemorySegment(I, t, base, ORDER);
            FloatVector sL = widen(scales, 16), sH = widen(scales, 0);
            l0.fma(sL, FloatVector.fromArray(F, tot, 0)).intoArray(tot, 0);
            h0.fma(sH, FloatVector.fromArray(F, tot, N)).intoArray(tot, N);
            l1.fma(sL, FloatVector.fromArray(F, tot, 2 * N)).intoArray(tot, 2 * N);
            h1.fma(sH, FloatVector.fromArray(F, tot, 3 * N)).intoArray(tot, 3 * N);
            l2.fma(sL, FloatVector.fromArray(F, tot, 4 * N)).intoArray(tot, 4 * N);
            h2.fma(sH, FloatVector.fromArray(F, tot, 5 * N)).intoArray(tot, 5 * N);
        }
        store(tot, k, t0, n, out, os);
        return 1;
    }
}
