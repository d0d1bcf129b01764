package specdec.engine.tensor;

import jdk.incubator.vector.FloatVector;
import specdec.engine.SpecdecException;
import specdec.engine.io.OffHeap;
import specdec.engine.safetensors.Encoders;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.stream.IntStream;

/**
 * Converts weights at load, into an off-heap arena: quantises to Q8_0 or Q4_0, rounding as
 * llama.cpp's reference quantisers do (so a model quantised here holds the same blocks as one
 * quantised there), or casts to another float dtype (rounding to nearest even).
 */
public final class Quantize {
    private static final ValueLayout.OfShort LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Quantize() {}

    static void requireVectorWidth(String name) {
        if (FloatVector.SPECIES_PREFERRED.length() < 8) {
            throw new SpecdecException(name + ": quantised weights need vectors of 256 bits or wider; this CPU offers "
                    + FloatVector.SPECIES_PREFERRED.vectorBitSize());
        }
    }

    /**
     * {@code w} in {@code format} (F32, F16, BF16, Q8_0 or Q4_0), allocated in {@code arena}; rows in
     * parallel. The caller reports the bytes to {@link OffHeap#released} when it closes the arena.
     */
    public static WeightTensor of(WeightTensor w, DType format, Arena arena) {
        if (!format.isQuantized() && !format.isWeightType()) throw new IllegalArgumentException(format + " cannot hold weights");
        if (format.isQuantized() && w.cols() % DType.BLOCK != 0) {
            throw new SpecdecException("tensor '" + w.name() + "' has " + w.cols() + " columns, not a multiple of "
                    + DType.BLOCK + ": it cannot be quantised to " + format);
        }
        long rowBytes = format.rowBytes(w.cols());
        MemorySegment out = OffHeap.allocate(arena, rowBytes * w.rows());
        IntStream.range(0, w.rows()).parallel().forEach(r -> {
            float[] row = new float[w.cols()];
            w.decode((long) r * w.cols(), row, 0, w.cols());
            MemorySegment dst = out.asSlice(r * rowBytes, rowBytes);
            if (!format.isQuantized()) {
                for (int i = 0; i < row.length; i++) Encoders.put(dst, format, i, row[i]);
                return;
            }
            for (int b = 0; b < w.cols() / DType.BLOCK; b++) {
                if (format == DType.Q8_0) q8Block(row, b * DType.BLOCK, dst, b * 34L);
                else q4Block(row, b * DType.BLOCK, dst, b * 18L);
            }
        });
        try {
            return WeightTensor.of(w.name(), format, out, w.rows(), w.cols());
        } catch (RuntimeException e) { // refused (non-finite f16): the caller never sees these bytes
            OffHeap.released(out.byteSize());
            throw e;
        }
    }

    /** d = max|x| / 127, q = round(x / d) half away from zero, d stored as f16. */
    static void q8Block(float[] x, int from, MemorySegment dst, long at) {
        float amax = 0;
        for (int i = 0; i < DType.BLOCK; i++) amax = Math.max(amax, Math.abs(x[from + i]));
        float d = amax / 127;
        float id = d != 0 ? 1 / d : 0;
        dst.set(LE, at, Halfs.floatToF16(d));
        for (int i = 0; i < DType.BLOCK; i++) dst.set(ValueLayout.JAVA_BYTE, at + 2 + i, (byte) roundHalfAway(x[from + i] * id));
    }

    /** d = (the value of largest magnitude) / -8, nibble = min(15, trunc(x / d + 8.5)), d stored as f16. */
    static void q4Block(float[] x, int from, MemorySegment dst, long at) {
        float amax = 0, max = 0;
        for (int i = 0; i < DType.BLOCK; i++) {
            float v = x[from + i];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        float d = max / -8;
        float id = d != 0 ? 1 / d : 0;
        dst.set(LE, at, Halfs.floatToF16(d));
        for (int j = 0; j < 16; j++) {
            int lo = Math.min(15, (int) (x[from + j] * id + 8.5f));
            int hi = Math.min(15, (int) (x[from + 16 + j] * id + 8.5f));
            dst.set(ValueLayout.JAVA_BYTE, at + 2 + j, (byte) (lo | hi << 4));
        }
    }

    private static int roundHalfAway(float v) {
        return (int) Math.copySign((float) Math.floor(Math.abs(v) + 0.5f), v);
    }
}
