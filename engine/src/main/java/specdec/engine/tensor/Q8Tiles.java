package specdec.engine.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Q8_0 weights in the CPU kernels' tiles (see {@link BlockTiles}; llama.cpp's CPU backend repacks
 * its quantised blocks too): groups of four columns, a row's four bytes per int lane, slots 0 .. 2
 * holding value + 128, slot 3 the value itself.
 */
public final class Q8Tiles extends BlockTiles {
    private static final long BLOCK = blockBytes(8);

    private Q8Tiles(String name, MemorySegment segment, int rows, int cols, int scaleExponent) {
        super(name, segment, rows, cols, 8, 128, scaleExponent);
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
            for (int c = 0; c < DType.BLOCK; c++) put(tile, base, i, c, row[from + 2 + c], 8, 128);
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

    @Override
    void kernel1(int k, float[] x, float[] out) {
        pass1(tiles, k, blocks, cols, x, out, 8, magic);
    }

    @Override
    float[] kernel3(int k, float[] x, int x0, int x1, int x2) {
        return pass3(tiles[k], blocks, cols, x, x0, x1, x2, 8, magic);
    }

    @Override
    float[] kernel5(int k, float[] x, int x0, int x1, int x2, int x3, int x4) {
        return pass5(tiles[k], blocks, cols, x, x0, x1, x2, x3, x4, 8, magic);
    }
}
