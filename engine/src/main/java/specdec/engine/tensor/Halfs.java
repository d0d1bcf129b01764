package specdec.engine.tensor;

/** Scalar conversions between float and the two 16-bit float formats. */
public final class Halfs {
    private Halfs() {}

    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /** Round to nearest even, keeping NaN a NaN. */
    public static short floatToBf16(float f) {
        int x = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((x >>> 16) | 0x40);
        int rounding = 0x7fff + ((x >>> 16) & 1);
        return (short) ((x + rounding) >>> 16);
    }

    public static float f16ToFloat(short bits) {
        return Float.float16ToFloat(bits);
    }

    public static short floatToF16(float f) {
        return Float.floatToFloat16(f);
    }
}
