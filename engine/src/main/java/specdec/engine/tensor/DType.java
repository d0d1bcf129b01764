package specdec.engine.tensor;

import specdec.engine.SpecdecException;

/**
 * Element types a safetensors file may declare (F32, F16 and BF16 hold model weights here), and
 * the two block formats weights are quantised to at load: Q8_0 and Q4_0, llama.cpp's layouts of
 * 32 weights per block behind one f16 scale.
 */
public enum DType {
    F64(8), F32(4), F16(2), BF16(2),
    I64(8), I32(4), I16(2), I8(1),
    U64(8), U32(4), U16(2), U8(1),
    BOOL(1), F8_E4M3(1), F8_E5M2(1),
    /** Blocks of 34 bytes: f16 scale d, then 32 int8 q; weight = d * q. */
    Q8_0(34, 32),
    /** Blocks of 18 bytes: f16 scale d, then 16 bytes of nibbles; weight k = d * ((byte k % 16 & 15) - 8), low nibbles first. */
    Q4_0(18, 32);

    /** Elements per block of the quantised formats. */
    public static final int BLOCK = 32;

    private final int bytes;
    private final int block;

    DType(int bytes) {
        this(bytes, 1);
    }

    DType(int bytes, int block) {
        this.bytes = bytes;
        this.block = block;
    }

    /** Bytes per element; a block format has none (use {@link #rowBytes}). */
    public int bytes() {
        if (block != 1) throw new IllegalStateException(name() + " is a block format: it has no bytes per element");
        return bytes;
    }

    /** Bytes a row of {@code cols} elements takes (for block formats, cols must be a multiple of the block). */
    public long rowBytes(int cols) {
        return block == 1 ? (long) cols * bytes : (long) (cols / block) * bytes;
    }

    public boolean isQuantized() {
        return block != 1;
    }

    /** True for the types the weight classes can compute with. */
    public boolean isWeightType() {
        return this == F32 || this == F16 || this == BF16;
    }

    /** A safetensors header's dtype name. */
    public static DType parse(String name) {
        for (DType d : values()) {
            if (!d.isQuantized() && d.name().equals(name)) return d;
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

    /** Parses "q8_0" or "q4_0". */
    public static DType parseQuantization(String name) {
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "q8_0" -> Q8_0;
            case "q4_0" -> Q4_0;
            default -> throw new SpecdecException("unknown quantisation '" + name + "': use q8_0 or q4_0");
        };
    }
}
