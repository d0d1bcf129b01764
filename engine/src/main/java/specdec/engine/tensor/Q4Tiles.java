package specdec.engine.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Q4_0 weights in the CPU kernels' tiles (see {@link BlockTiles}): groups of eight columns, a
 * row's eight nibbles per int lane, slots 0 .. 6 holding the stored nibble (value + 8), slot 7
 * the value itself.
 */
public final class Q4Tiles extends BlockTiles {
    private static final long BLOCK = blockBytes(4);

    private Q4Tiles(String name, MemorySegment segment, int rows, int cols, int scaleExponent) {
        super(name, segment, rows, cols, 4, 8, scaleExponent);
    }

    /** {@code q}'s blocks in tiles, allocated in {@code arena}; {@code q} itself when one of its scales is not finite. */
    public static WeightTensor of(WeightTensor q, Arena arena) {
        if (q.dtype() != DType.Q4_0) throw new IllegalArgumentException(q.name() + " is " + q.dtype() + ", not Q4_0");
        if (q instanceof Q4Tiles) return q;
        int e = scaleExponent(q, 18);
        MemorySegment tiles = repack(q, arena, 18, 4, e, Q4Tiles::scatter);
        return tiles == null ? q : new Q4Tiles(q.name(), tiles, q.rows(), q.cols(), e);
    }

    /** Row i's blocks (scale, then 16 bytes: weight j in the low nibble of byte j, weight 16 + j in the high one) to a tile. */
    private static void scatter(byte[] row, byte[] tile, int i, int blocks) {
        int h = (int) halfAt(i);
        for (int b = 0; b < blocks; b++) {
            int from = 18 * b, base = (int) (b * BLOCK);
            tile[base + h] = row[from];
            tile[base + h + 1] = row[from + 1];
            for (int c = 0; c < DType.BLOCK; c++) {
                int packed = row[from + 2 + c % 16] & 0xff;
                put(tile, base, i, c, (c < 16 ? packed & 15 : packed >>> 4) - 8, 4, 8);
            }
        }
    }

    @Override
    public DType dtype() {
        return DType.Q4_0;
    }

    @Override
    Tiles view(String name, MemorySegment segment, int rows) {
        return new Q4Tiles(name, segment, rows, cols, scaleExponent);
    }

    @Override
    void kernel1(int k, float[] x, float[] out) {
        pass1(tiles, k, blocks, cols, x, out, 4, magic);
    }

    @Override
    float[] kernel3(int k, float[] x, int x0, int x1, int x2) {
        return pass3(tiles[k], blocks, cols, x, x0, x1, x2, 4, magic);
    }

    @Override
    float[] kernel5(int k, float[] x, int x0, int x1, int x2, int x3, int x4) {
        return pass5(tiles[k], blocks, cols, x, x0, x1, x2, x3, x4, 4, magic);
    }
}
