package specdec.engine.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q8_0 weights in the CPU kernels' tiles (llama.cpp's CPU backend repacks its quantised blocks
 * too): per block of 32 columns, the R scales as in {@link BlockTiles}, then column by column
 * the R rows' values as signed bytes, rows in order. A column's N values of one half of the
 * tile (16 with 512-bit vectors) are one N-byte load and one widening conversion away from N
 * floats, the values themselves: the inputs are read as they are (no block sums, nothing to prepare), and every
 * pass steps one column at a time through a loop whose loads are linear in its counter. (Four
 * values per int lane, one mask each, as Q4_0 keeps them, needed a loop over an int's slots:
 * C2 leaves it rolled, and written out it passed C2's inlining budget, see docs/benchmarks.md.)
 *
 * <p>Every result is a sum in one order, whatever T ({@link #dot1} is that order, scalar): per
 * block one chain over its columns in order, starting from zero, then total = fma(chain, scale,
 * total) block by block.
 */
public final class Q8Tiles extends BlockTiles {
    private static final long BLOCK = blockBytes(8);
    private static final long LINES = Prefetch.lines(BLOCK);
    /** N bytes: one half of a tile's column. */
    private static final VectorSpecies<Byte> BYTES = VectorSpecies.of(byte.class, VectorShape.forBitSize(8 * N));

    private Q8Tiles(String name, MemorySegment segment, int rows, int cols, int scaleExponent) {
        super(name, segment, rows, cols, 8, 0, scaleExponent); // bytes per value; no bias: values as they are
    }

    /** {@code q}'s blocks in tiles, allocated in {@code arena}; {@code q} itself when one of its scales is not finite. */
    public static WeightTensor of(WeightTensor q, Arena arena) {
        if (q.dtype() != DType.Q8_0) throw new IllegalArgumentException(q.name() + " is " + q.dtype() + ", not Q8_0");
        if (q instanceof Q8Tiles) return q;
        int e = scaleExponent(q, 34);
        MemorySegment tiles = repack(q, arena, 34, 8, e, Q8Tiles::scatter);
        return tiles == null ? q : new Q8Tiles(q.name(), tiles, q.rows(), q.cols(), e);
    }

    /** Row i's blocks (scale, then 32 signed bytes) to a tile. */
    private static void scatter(byte[] row, byte[] tile, int i, int blocks) {
        int h = (int) halfAt(i);
        for (int b = 0; b < blocks; b++) {
            int from = 34 * b, base = (int) (b * BLOCK);
            tile[base + h] = row[from];
            tile[base + h + 1] = row[from + 1];
            for (int c = 0; c < DType.BLOCK; c++) tile[(int) (base + SCALES) + c * R + i] = row[from + 2 + c];
        }
    }

    @Override
    public DType dtype() {
        return DType.Q8_0;
    }

    @Override
    Tiles view(String name, MemorySegment segment, int rows) {
        return new Q8Tiles(name, segment, rows, cols, scaleExponent);
    }

    /** Row i's value in column c (both within their tile and block) of the block at base. */
    private byte value(long base, int i, int c) {
        return segment.get(ValueLayout.JAVA_BYTE, base + SCALES + (long) c * R + i);
    }

    @Override
    public float get(long index) {
        int r = (int) (index / cols), c = (int) (index % cols);
        long base = blockAt(r / R, c / DType.BLOCK);
        return scale(base, r % R) * value(base, r % R, c % DType.BLOCK);
    }

    /** The inputs as they are. */
    @Override
    public float[] prepare(float[] x, int xStride, int T) {
        return x;
    }

    @Override
    protected float dot1(int row, float[] x, int xOff) {
        int i = row % R;
        float total = 0;
        for (int b = 0; b < blocks; b++) {
            long base = blockAt(row / R, b);
            float chain = 0;
            for (int c = 0; c < DType.BLOCK; c++) chain = Math.fma(value(base, i, c), x[xOff + b * DType.BLOCK + c], chain);
            total = Math.fma(chain, scale(base, i), total);
        }
        return total;
    }

    /** The N values at offset as floats. */
    private static FloatVector load(MemorySegment t, long offset) {
        return (FloatVector) ByteVector.fromMemorySegment(BYTES, t, offset, ORDER).convertShape(VectorOperators.B2F, F, 0);
    }

    private static IntVector scales(MemorySegment t, long base) {
        return IntVector.fromMemorySegment(I, t, base, ORDER);
    }

    /**
     * One input over tiles k and k + 1, a chain per tile and half: four in flight, two streams
     * from memory. A block's chains go through the scratch array to the totals in out, in a loop
     * over the two tiles.
     */
    @Override
    void kernel1(int k, float[] x, float[] out) {
        MemorySegment t = tiles[k], u = tiles[k + 1];
        float[] chains = scratch();
        for (int i = k * R; i < (k + 2) * R; i += N) FloatVector.zero(F).intoArray(out, i);
        for (int b = 0; b < blocks; b++) {
            long base = b * BLOCK;
            Prefetch.ahead(t, u, base, LINES);
            FloatVector lo = FloatVector.zero(F), hi = lo, lo1 = lo, hi1 = lo;
            for (int c = 0; c < DType.BLOCK; c++) {
                long at = base + SCALES + (long) c * R;
                FloatVector y = FloatVector.broadcast(F, x[b * DType.BLOCK + c]);
                lo = load(t, at).fma(y, lo);
                hi = load(t, at + N).fma(y, hi);
                lo1 = load(u, at).fma(y, lo1);
                hi1 = load(u, at + N).fma(y, hi1);
            }
            lo.intoArray(chains, 0);
            hi.intoArray(chains, N);
            lo1.intoArray(chains, R);
            hi1.intoArray(chains, R + N);
            for (int p = 0; p < 2; p++) {
                IntVector sc = scales(tiles[k + p], base);
                int at = (k + p) * R;
                FloatVector.fromArray(F, chains, p * R).fma(widen(sc, 16, magic), FloatVector.fromArray(F, out, at)).intoArray(out, at);
                FloatVector.fromArray(F, chains, p * R + N).fma(widen(sc, 0, magic), FloatVector.fromArray(F, out, at + N)).intoArray(out, at + N);
            }
        }
    }

    /** Three inputs (x0, x1, x2) over tile k, six chains, the sums in the scratch array, which it returns. */
    @Override
    float[] kernel3(int k, float[] x, int x0, int x1, int x2) {
        MemorySegment t = tiles[k];
        float[] tot = scratch();
        java.util.Arrays.fill(tot, 0, 6 * N, 0f);
        for (int b = 0; b < blocks; b++) {
            long base = b * BLOCK;
            Prefetch.ahead(t, base, LINES);
            FloatVector l0 = FloatVector.zero(F), h0 = l0, l1 = l0, h1 = l0, l2 = l0, h2 = l0;
            for (int c = 0; c < DType.BLOCK; c++) {
                long at = base + SCALES + (long) c * R;
                int col = b * DType.BLOCK + c;
                FloatVector wl = load(t, at), wh = load(t, at + N), y;
                y = FloatVector.broadcast(F, x[x0 + col]);
                l0 = wl.fma(y, l0);
                h0 = wh.fma(y, h0);
                y = FloatVector.broadcast(F, x[x1 + col]);
                l1 = wl.fma(y, l1);
                h1 = wh.fma(y, h1);
                y = FloatVector.broadcast(F, x[x2 + col]);
                l2 = wl.fma(y, l2);
                h2 = wh.fma(y, h2);
            }
            IntVector sc = scales(t, base);
            FloatVector sL = widen(sc, 16, magic), sH = widen(sc, 0, magic);
            l0.fma(sL, FloatVector.fromArray(F, tot, 0)).intoArray(tot, 0);
            h0.fma(sH, FloatVector.fromArray(F, tot, N)).intoArray(tot, N);
            l1.fma(sL, FloatVector.fromArray(F, tot, 2 * N)).intoArray(tot, 2 * N);
            h1.fma(sH, FloatVector.fromArray(F, tot, 3 * N)).intoArray(tot, 3 * N);
            l2.fma(sL, FloatVector.fromArray(F, tot, 4 * N)).intoArray(tot, 4 * N);
            h2.fma(sH, FloatVector.fromArray(F, tot, 5 * N)).intoArray(tot, 5 * N);
        }
        return tot;
    }

    /** Five inputs (x0 .. x4) over tile k, ten chains, the sums in the scratch array, which it returns: each column is loaded and widened once for all five. */
    @Override
    float[] kernel5(int k, float[] x, int x0, int x1, int x2, int x3, int x4) {
        MemorySegment t = tiles[k];
        float[] tot = scratch();
        java.util.Arrays.fill(tot, 0, 10 * N, 0f);
        for (int b = 0; b < blocks; b++) {
            long base = b * BLOCK;
            Prefetch.ahead(t, base, LINES);
            FloatVector l0 = FloatVector.zero(F), h0 = l0, l1 = l0, h1 = l0, l2 = l0, h2 = l0, l3 = l0, h3 = l0, l4 = l0, h4 = l0;
            for (int c = 0; c < DType.BLOCK; c++) {
                long at = base + SCALES + (long) c * R;
                int col = b * DType.BLOCK + c;
                FloatVector wl = load(t, at), wh = load(t, at + N), y;
                y = FloatVector.broadcast(F, x[x0 + col]);
                l0 = wl.fma(y, l0);
                h0 = wh.fma(y, h0);
                y = FloatVector.broadcast(F, x[x1 + col]);
                l1 = wl.fma(y, l1);
                h1 = wh.fma(y, h1);
                y = FloatVector.broadcast(F, x[x2 + col]);
                l2 = wl.fma(y, l2);
                h2 = wh.fma(y, h2);
                y = FloatVector.broadcast(F, x[x3 + col]);
                l3 = wl.fma(y, l3);
                h3 = wh.fma(y, h3);
                y = FloatVector.broadcast(F, x[x4 + col]);
                l4 = wl.fma(y, l4);
                h4 = wh.fma(y, h4);
            }
            IntVector sc = scales(t, base);
            FloatVector sL = widen(sc, 16, magic), sH = widen(sc, 0, magic);
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
