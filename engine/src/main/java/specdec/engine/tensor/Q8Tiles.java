package specdec.engine.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Q8_0 weights in the CPU kernels' tiles (see {@link BlockTiles}; llama.cpp's CPU backend repacks
 * its quantised blocks too): groups of four columns, a row's four bytes per int lane, slots 0 .. 2
 * holding value + 128, slot 3 the value itself.
 */
public final class Q8Tiles extends BlockTiles {
    private static final long BLOCK = blockBytes(8);

    private Q8Tiles(String name, MemorySegment segment, int rows, int cols) {
        super(name, segment, rows, cols, 8, 128);
    }

    /** {@code q}'s blocks in tiles, allocated in {@code arena}; {@code q} itself when one of its scales is not finite. */
    public static WeightTensor of(WeightTensor q, Arena arena) {
        if (q.dtype() != DType.Q8_0) throw new IllegalArgumentException(q.name() + " is " + q.dtype() + ", not Q8_0");
        if (q instanceof Q8Tiles) return q;
        MemorySegment tiles = repack(q, arena, 34, 8, Q8Tiles::scatter);
        return tiles == null ? q : new Q8Tiles(q.name(), tiles, q.rows(), q.cols());
    }

    /** Row i's blocks (scale, then 32 signed bytes) to a tile. */
    private static void scatter(byte[] row, byte[] tile, int i, int blocks) {
        int h = (int) halfAt(i);
        for (int b = 0; b < blocks; b++) {
            int from = 34 * b, base = (int) (b * BLOCK);
            tile[base + h] = row[from];
            tile[base + h + 1] = row[from + 1];
            for (int c = 0; c < DType.BLOCK; c++) put(tile, base, i, c, row[from + 2 + c], 8, 128);
        }
    }

    @Override
    public DType dtype() {
        return DType.Q8_0;
    }

    @Override
    Tiles view(String name, MemorySegment segment, int rows) {
        return new Q8Tiles(name, segment, rows, cols);
    }

    /** The bytes of slot s as floats (v + 128) * 256^s (v * 2^24 for slot 3). */
    private static FloatVector slot(IntVector v, int s) {
        return (FloatVector) v.and(0xFF << 8 * s).convert(VectorOperators.I2F, 0);
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
            for (int q = 0; q < 8; q++) {
                IntVector l = load(t, base + SCALES + 2 * q * VECTOR), h = load(t, base + SCALES + (2 * q + 1) * VECTOR);
                int c = b * DType.BLOCK + 4 * q;
                for (int s = 0; s < 4; s += 2) {
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
            for (int q = 0; q < 8; q++) {
                IntVector l = load(t, base + SCALES + 2 * q * VECTOR), h = load(t, base + SCALES + (2 * q + 1) * VECTOR);
                int c = b * DType.BLOCK + 4 * q;
                for (int s = 0; s < 4; s += 2) {
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
