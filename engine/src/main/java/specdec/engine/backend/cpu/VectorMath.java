package specdec.engine.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * exp, tanh-GELU and SiLU on whole vectors, built from add, multiply, fma and divide only. The
 * Vector API's own EXP and TANH call into a math library whose compiled and interpreted results
 * may differ in the last bit; these are exact IEEE operations, so a token's activations are the
 * same bits whichever way the code runs and however many tokens share the call.
 * {@code ScalarMath} holds the double-precision references they are tested against.
 */
public final class VectorMath {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final float LOG2E = 1.44269504088896341f;
    // ln 2 split so that n * LN2_HI is exact for |n| < 2^10
    private static final float LN2_HI = 0.693145751953125f;
    private static final float LN2_LO = 1.428606765330187e-06f;
    // adding 1.5 * 2^23 rounds to the nearest integer and leaves it in the low mantissa bits
    private static final float ROUNDER = 12582912f;
    private static final float SQRT_2_OVER_PI = 0.7978845608028654f;

    private VectorMath() {}

    /** e^x, within 2 ulp of Math.exp; overflow gives +inf and underflow 0, as Math.exp does. */
    public static FloatVector exp(FloatVector x) {
        x = x.max(-104f).min(89f);
        FloatVector t = x.fma(LOG2E, ROUNDER);
        FloatVector n = t.sub(ROUNDER);
        FloatVector r = n.fma(FloatVector.broadcast(F, -LN2_HI), x);
        r = n.fma(FloatVector.broadcast(F, -LN2_LO), r);
        // Taylor series to r^7: for |r| <= ln2 / 2 the remainder is 1/20 of a float ulp
        FloatVector p = r.fma(1f / 5040, 1f / 720);
        p = p.fma(r, FloatVector.broadcast(F, 1f / 120));
        p = p.fma(r, FloatVector.broadcast(F, 1f / 24));
        p = p.fma(r, FloatVector.broadcast(F, 1f / 6));
        p = p.fma(r, FloatVector.broadcast(F, 0.5f));
        p = p.fma(r, FloatVector.broadcast(F, 1f));
        p = p.fma(r, FloatVector.broadcast(F, 1f));
        // 2^n as two factors, so n down to -150 (subnormal results) and up to 128 stay representable
        IntVector k = t.reinterpretAsInts().sub(Float.floatToRawIntBits(ROUNDER));
        IntVector half = k.lanewise(VectorOperators.ASHR, 1);
        FloatVector s1 = half.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = k.sub(half).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return p.mul(s1).mul(s2);
    }

    /**
     * 0.5 x (1 + tanh(u)) with u = sqrt(2/pi) (x + 0.044715 x^3), computed as x / (1 + e^{-2u}):
     * the same function, without the cancellation 1 + tanh(u) suffers for negative u.
     */
    public static FloatVector geluTanh(FloatVector x) {
        FloatVector u = x.mul(x).mul(x).fma(FloatVector.broadcast(F, 0.044715f), x).mul(SQRT_2_OVER_PI);
        return x.div(exp(u.add(u).neg()).add(1f));
    }

    /** x / (1 + e^{-x}). */
    public static FloatVector silu(FloatVector x) {
        return x.div(exp(x.neg()).add(1f));
    }

    /** tanh-GELU on a[from, to), in place; the tail runs masked, through the same operations. */
    public static void geluTanh(float[] a, int from, int to) {
        for (int i = from; i < to; i += F.length()) {
            var m = F.indexInRange(i, to);
            geluTanh(FloatVector.fromArray(F, a, i, m)).intoArray(a, i, m);
        }
    }

    public static void silu(float[] a, int from, int to) {
        for (int i = from; i < to; i += F.length()) {
            var m = F.indexInRange(i, to);
            silu(FloatVector.fromArray(F, a, i, m)).intoArray(a, i, m);
        }
    }

    /** a[i] = silu(a[i]) * b[i] for i in [from, to). */
    public static void siluMul(float[] a, float[] b, int from, int to) {
        for (int i = from; i < to; i += F.length()) {
            var m = F.indexInRange(i, to);
            silu(FloatVector.fromArray(F, a, i, m)).mul(FloatVector.fromArray(F, b, i, m)).intoArray(a, i, m);
        }
    }
}
