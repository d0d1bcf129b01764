package specdec.engine.tensor;

import specdec.engine.io.OffHeap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.stream.IntStream;

/**
 * Sixteen-bit weights (BF16, F16) in {@link Tiles}: a column's 2N values are one int vector, int
 * lane j holding rows j (low half) and N + j (high half). The layout is here; each format has
 * its own kernels ({@link BF16Tiles}, {@link F16Tiles}), since what is fastest differs: F16's
 * longer widening needs four chains in a one-input pass over one tile, BF16 reads two tiles at once.
 */
public abstract sealed class HalfTiles extends Tiles permits BF16Tiles, F16Tiles {
    static final long COLUMN = 2L * R;
    static final ValueLayout.OfShort LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    HalfTiles(String name, MemorySegment segment, int rows, int cols) {
        super(name, segment, rows, cols, cols * COLUMN);
    }

    /**
     * {@code w}'s values in tiles, allocated in {@code arena}; tiles in parallel. With
     * {@code pairs}, tiles 2p and 2p + 1 are interleaved column by column (see {@link BF16Tiles}),
     * all but a lone last one.
     */
    static MemorySegment repack(WeightTensor w, Arena arena, boolean pairs) {
        int rows = w.rows(), cols = w.cols();
        MemorySegment src = w.segment(), dst = OffHeap.allocate(arena, tileCount(rows) * cols * COLUMN);
        IntStream.range(0, tileCount(rows)).parallel().forEach(k -> {
            short[] row = new short[cols], tile = new short[R * cols];
            for (int i = 0; i < R && k * R + i < rows; i++) {
                MemorySegment.copy(src, LE, (long) (k * R + i) * cols * 2, row, 0, cols);
                scatter(row, tile, (int) (halfAt(i) / 2), cols);
            }
            long tileBytes = cols * COLUMN;
            if (pairs && k < paired(tileCount(rows))) {
                long base = (k & ~1) * tileBytes + (k & 1) * COLUMN;
                for (int c = 0; c < cols; c++) MemorySegment.copy(tile, c * R, dst, LE, base + c * 2 * COLUMN, R);
            } else {
                MemorySegment.copy(tile, 0, dst, LE, k * tileBytes, tile.length);
            }
        });
        return dst;
    }

    /** Value c of a row to tile[c * R + at] (arrays and a method of its own: see {@link F32Tiles}). */
    private static void scatter(short[] row, short[] tile, int at, int cols) {
        for (int c = 0; c < cols; c++) tile[c * R + at] = row[c];
    }

    /** How many of {@code tiles} tiles lie in interleaved pairs: all but a lone last one. */
    static int paired(int tiles) {
        return tiles & ~1;
    }

    /** One stored value as a float. */
    abstract float toFloat(short bits);

    @Override
    public float get(long index) {
        int r = (int) (index / cols), c = (int) (index % cols);
        return toFloat(segment.get(LE, columnAt(r / R, c) + halfAt(r % R)));
    }

    /** Byte offset of tile k's column c in {@link #segment}: tiles one after another. */
    long columnAt(int k, int c) {
        return (long) k * cols * COLUMN + c * COLUMN;
    }
}
