package specdec.engine.safetensors;

import specdec.engine.tensor.DType;
import specdec.engine.tensor.Halfs;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Writes float values into a little-endian tensor segment of a weight dtype. */
public final class Encoders {
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Encoders() {}

    public static void encode(float[] values, DType dtype, MemorySegment seg) {
        for (int i = 0; i < values.length; i++) put(seg, dtype, i, values[i]);
    }

    public static void put(MemorySegment seg, DType dtype, long index, float v) {
        switch (dtype) {
            case F32 -> seg.set(F32, index * 4, v);
            case F16 -> seg.set(I16, index * 2, Halfs.floatToF16(v));
            case BF16 -> seg.set(I16, index * 2, Halfs.floatToBf16(v));
            default -> throw new IllegalArgumentException("cannot encode floats as " + dtype);
        }
    }

    public static float get(MemorySegment seg, DType dtype, long index) {
        return switch (dtype) {
            case F32 -> seg.get(F32, index * 4);
            case F16 -> Halfs.f16ToFloat(seg.get(I16, index * 2));
            case BF16 -> Halfs.bf16ToFloat(seg.get(I16, index * 2));
            default -> throw new IllegalArgumentException("cannot decode floats from " + dtype);
        };
    }
}
