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

    /**
     * The largest e, up to 10, for which halves up to {@code largest} (the bits of a finite half,
     * sign left out) times 2^e stay within f16: times 2^10 every subnormal half (from 2^-24 on) is
     * a normal one, exactly.
     */
    static int normalisingExponent(int largest) {
        float max = f16ToFloat((short) largest);
        int e = 10;
        while (e > 0 && max * Math.scalb(1f, e) > 65504f) e--;
        return e;
    }
}
