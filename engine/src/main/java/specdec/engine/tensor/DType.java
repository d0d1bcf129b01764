package specdec.engine.tensor;

import specdec.engine.SpecdecException;

/** Element types a safetensors file may declare; only F32, F16 and BF16 hold model weights here. */
public enum DType {
    F64(8), F32(4), F16(2), BF16(2),
    I64(8), I32(4), I16(2), I8(1),
    U64(8), U32(4), U16(2), U8(1),
    BOOL(1), F8_E4M3(1), F8_E5M2(1);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    public int bytes() {
        return bytes;
    }

    /** True for the types the weight classes can compute with. */
    public boolean isWeightType() {
        return this == F32 || this == F16 || this == BF16;
    }

    public static DType parse(String name) {
        for (DType d : values()) {
            if (d.name().equals(name)) return d;
        }
        throw new SpecdecException("unknown dtype '" + name + "'");
    }

    /** Parses a user-facing name such as "f32" or "bf16" for a weight dtype. */
    public static DType parseWeightType(String name) {
        DType d;
        try {
            d = DType.valueOf(name.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new SpecdecException("unknown dtype '" + name + "': use f32, f16 or bf16");
        }
        if (!d.isWeightType()) throw new SpecdecException("dtype " + name + " cannot hold weights: use f32, f16 or bf16");
        return d;
    }
}
