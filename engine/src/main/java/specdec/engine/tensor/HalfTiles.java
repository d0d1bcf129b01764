package specdec.engine.tensor;

import specdec.engine.io.OffHeap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.stream.IntStream;

/**
 * Sixteen-bit weights (BF16, F16) in {@link Tiles}: a column's 2N values are one int vector, int
 * lane j holding rows j (low half) and N + j (high half), with tiles 2p and 2p + 1 interleaved
 * column by column (a lone last tile on its own), so that a pass over a pair reads one stream of
 * 128-byte columns. The layout and the scalar reference are here; each format has its own
 * kernels, the same but for the widening ({@link BF16Tiles}: a shift or a mask, {@link F16Tiles}:
 * {@link Tiles#widen}), which C2 compiles well only where the widening is a static call.
 *
 * <p>Every result is one chain of fmas from zero over the columns in order, whatever T
 * ({@link #dot1} is that order, scalar). As in {@link F32Tiles}, a lone input reads two tiles at
 * once and five inputs take one pass over two tiles.
 */
public abstract sealed class HalfTiles extends Tiles permits BF16Tiles, F16Tiles {
    static final long COLUMN = 2L * R;
    static final ValueLayout.OfShort LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Per tile: the slice it lies in (its pair's, or its own), its column 0 there, and its column stride. */
    final MemorySegment[] in;
    final long[] first, step;

    HalfTiles(String name, MemorySegment segment, int rows, int cols) {
        super(name, segment, rows, cols, cols * COLUMN);
        int count = tiles.length, paired = paired(count);
        long tileBytes = cols * COLUMN;
        in = new MemorySegment[count];
        first = new long[count];
        step = new long[count];
        for (int k = 0; k < count; k++) {
            boolean pair = k < paired;
            in[k] = pair ? segment.asSlice((k & ~1) * tileBytes, 2 * tileBytes) : tiles[k];
            first[k] = pair ? (k & 1) * COLUMN : 0;
            step[k] = pair ? 2 * COLUMN : COLUMN;
        }
    }

    /**
     * {@code w}'s values in tiles, allocated in {@code arena}; tiles in parallel, tiles 2p and
     * 2p + 1 interleaved column by column, all but a lone last one.
     */
    static MemorySegment repack(WeightTensor w, Arena arena) {
        int rows = w.rows(), cols = w.cols();
        MemorySegment src = w.segment(), dst = OffHeap.allocate(arena, tileCount(rows) * cols * COLUMN);
        IntStream.range(0, tileCount(rows)).parallel().forEach(k -> {
            short[] row = new short[cols], tile = new short[R * cols];
            for (int i = 0; i < R && k * R + i < rows; i++) {
                MemorySegment.copy(src, LE, (long) (k * R + i) * cols * 2, row, 0, cols);
                scatter(row, tile, (int) (halfAt(i) / 2), cols);
            }
            long tileBytes = cols * COLUMN;
            if (k < paired(tileCount(rows))) {
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

    /** Byte offset of tile k's column c in {@link #segment}. */
    final long columnAt(int k, int c) {
        return k < paired(tiles.length) ? (k & ~1) * (cols * COLUMN) + (k & 1) * COLUMN + c * 2 * COLUMN : (long) k * cols * COLUMN + c * COLUMN;
    }

    /** Slices start on a pair and hold whole pairs, or reach the last row. */
    @Override
    public final WeightTensor rowSlice(int from, int count) {
        int k0 = from / R, k1 = tileCount(from + count);
        if (from % (2 * R) != 0 || ((k1 - k0) % 2 != 0 && k1 != tiles.length)) {
            throw new IllegalArgumentException(name + ": a row slice of " + dtype() + " tiles starts at a multiple of " + 2 * R + " and holds whole pairs of tiles or reaches the last row, not rows [" + from + ", " + (from + count) + ")");
        }
        return super.rowSlice(from, count);
    }

    /** Pairs of tiles, so that the threads' ranges get their passes over two tiles at once. */
    @Override
    public final int rowGroup() {
        return 2 * R;
    }

    @Override
    final int passWidth() {
        return 5;
    }

    /** The scalar reference: the kernels' order of operations, one row. */
    @Override
    protected final float dot1(int row, float[] x, int xOff) {
        int k = row / R;
        long h = halfAt(row % R);
        float acc = 0;
        for (int c = 0; c < cols; c++) acc = Math.fma(toFloat(segment.get(LE, columnAt(k, c) + h)), x[xOff + c], acc);
        return acc;
    }
}
