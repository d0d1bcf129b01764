package specdec.engine.tensor;

import specdec.engine.SpecdecException;

import java.lang.foreign.MemorySegment;

/**
 * A weight matrix [rows, cols] (or a vector, rows = 1) of one dtype, read where it lies in the
 * memory-mapped file. Each dtype subclass brings its own vectorised dot products; the row
 * loop and register blocking over T inputs live here.
 */
public abstract sealed class WeightTensor permits F32Weight, F16Weight, BF16Weight {
    protected final String name;
    protected final MemorySegment segment;
    protected final int rows;
    protected final int cols;

    protected WeightTensor(String name, MemorySegment segment, int rows, int cols) {
        this.name = name;
        this.segment = segment;
        this.rows = rows;
        this.cols = cols;
        if (segment.byteSize() != (long) rows * cols * dtype().bytes()) {
            throw new IllegalArgumentException(name + ": segment of " + segment.byteSize() + " bytes does not hold [" + rows + ", " + cols + "] " + dtype());
        }
    }

    /** Wraps a segment of {@code dtype} as a [rows, cols] weight. */
    public static WeightTensor of(String name, DType dtype, MemorySegment segment, int rows, int cols) {
        return switch (dtype) {
            case F32 -> new F32Weight(name, segment, rows, cols);
            case F16 -> new F16Weight(name, segment, rows, cols);
            case BF16 -> new BF16Weight(name, segment, rows, cols);
            default -> throw new SpecdecException("tensor '" + name + "' has dtype " + dtype + "; weights must be F32, F16 or BF16");
        };
    }

    public abstract DType dtype();

    public String name() {
        return name;
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    public long numel() {
        return (long) rows * cols;
    }

    public MemorySegment segment() {
        return segment;
    }

    /** Element {@code index} in row-major order. */
    public abstract float get(long index);

    /** Decodes {@code len} elements starting at {@code start} into {@code dst[off..]}. */
    public abstract void decode(long start, float[] dst, int off, int len);

    /** The rows [from, from + count) as a weight of their own (a view, no copy). */
    public WeightTensor rowSlice(int from, int count) {
        long rowBytes = (long) cols * dtype().bytes();
        return of(name + "[" + from + ":" + (from + count) + "]", dtype(), segment.asSlice(from * rowBytes, count * rowBytes), count, cols);
    }

    /** dot(row j, x[xOff .. xOff + cols)). */
    protected abstract float dot1(int row, float[] x, int xOff);

    /** Four dot products of row j with four inputs {@code xStride} apart; results {@code outStride} apart. */
    protected abstract void dot4(int row, float[] x, int xOff, int xStride, float[] out, int outOff, int outStride);

    /**
     * out[t * outStride + j] = sum_i W[j, i] * x[t * xStride + i] for t < T and j in [j0, j1).
     * Each weight row is fetched from memory once and applied to all T inputs while cached.
     */
    public final void matmul(float[] x, int xStride, int T, float[] out, int outStride, int j0, int j1) {
        for (int j = j0; j < j1; j++) {
            int t = 0;
            for (; t + 4 <= T; t += 4) {
                dot4(j, x, t * xStride, xStride, out, t * outStride + j, outStride);
            }
            for (; t < T; t++) {
                out[t * outStride + j] = dot1(j, x, t * xStride);
            }
        }
    }

    @Override
    public String toString() {
        return name + " " + dtype() + " [" + rows + ", " + cols + "]";
    }
}
