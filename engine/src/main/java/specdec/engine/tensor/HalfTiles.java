package specdec.engine.tensor;

import specdec.engine.io.OffHeap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.stream.IntStream;

/**
 * Sixteen-bit weights (BF16, F16) in {@link Tiles}: a column's 2N values are one int vector, int
 * lane j holding rows j (low half) and N + j (high half). The layout is here; each format's
 * kernels, which differ in their widening, are its own.
 *
 * <p>Every result is one sum in one order, whatever T: a chain of fmas from zero over the even
 * columns, another over the odd ones (and a last odd column at the end of the first), then the two
 * added ({@link #dot1} is that order, scalar).
 */
public abstract sealed class HalfTiles extends Tiles permits BF16Tiles, F16Tiles {
    static final long COLUMN = 2L * R;
    static final ValueLayout.OfShort LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    HalfTiles(String name, MemorySegment segment, int rows, int cols) {
        super(name, segment, rows, cols, cols * COLUMN);
    }

    /** {@code w}'s values in tiles, allocated in {@code arena}; tiles in parallel. */
    static MemorySegment repack(WeightTensor w, Arena arena) {
        int rows = w.rows(), cols = w.cols();
        MemorySegment src = w.segment(), dst = OffHeap.allocate(arena, tileCount(rows) * cols * COLUMN);
        IntStream.range(0, tileCount(rows)).parallel().forEach(k -> {
            for (int i = 0; i < R && k * R + i < rows; i++) {
                long from = (long) (k * R + i) * cols * 2, base = k * cols * COLUMN + at(i);
                for (int c = 0; c < cols; c++) dst.set(LE, base + c * COLUMN, src.get(LE, from + 2L * c));
            }
        });
        return dst;
    }

    /** Byte of row i (within its tile) from its column's start. */
    static long at(int i) {
        return 4L * (i % N) + 2L * (i / N);
    }

    /** One stored value as a float. */
    abstract float toFloat(short bits);

    @Override
    public float get(long index) {
        int r = (int) (index / cols), c = (int) (index % cols);
        return toFloat(segment.get(LE, (long) (r / R) * cols * COLUMN + c * COLUMN + at(r % R)));
    }

    /** The scalar reference: the kernels' order of operations, one row. */
    @Override
    protected float dot1(int row, float[] x, int xOff) {
        long base = (long) (row / R) * cols * COLUMN + at(row % R);
        float even = 0, odd = 0;
        int c = 0;
        for (; c + 1 < cols; c += 2) {
            even = Math.fma(toFloat(segment.get(LE, base + c * COLUMN)), x[xOff + c], even);
            odd = Math.fma(toFloat(segment.get(LE, base + (c + 1) * COLUMN)), x[xOff + c + 1], odd);
        }
        if (c < cols) even = Math.fma(toFloat(segment.get(LE, base + c * COLUMN)), x[xOff + c], even);
        return even + odd;
    }
}
