package specdec.engine.backend.cpu;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The vector exp, GELU and SiLU against Math's double-precision functions. */
class VectorMathTest {

    private static float[] grid(float from, float to, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = from + (to - from) * i / (n - 1);
        return a;
    }

    @Test
    void expIsWithinTwoUlpOfMathExpWhereTheResultIsNormal() {
        float[] x = grid(-87.3f, 88.7f, 200_003);
        float[] y = x.clone();
        var F = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED;
        for (int i = 0; i < y.length; i += F.length()) {
            var m = F.indexInRange(i, y.length);
            VectorMath.exp(jdk.incubator.vector.FloatVector.fromArray(F, y, i, m)).intoArray(y, i, m);
        }
        for (int i = 0; i < x.length; i++) {
            double ref = Math.exp(x[i]);
            assertThat((double) y[i]).as("exp(%s)", x[i]).isCloseTo(ref, within(2.0 * Math.ulp((float) ref)));
        }
    }

    @Test
    void expSaturatesLikeMathExp() {
        float[] x = {-200f, -104f, 89f, 100f, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY};
        float[] y = x.clone();
        var F = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED;
        var m = F.indexInRange(0, y.length);
        VectorMath.exp(jdk.incubator.vector.FloatVector.fromArray(F, y, 0, m)).intoArray(y, 0, m);
        assertThat(y[0]).isEqualTo(0f);
        assertThat(y[1]).isLessThan(Float.MIN_NORMAL);
        assertThat(y[2]).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(y[3]).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(y[4]).isEqualTo(0f);
        assertThat(y[5]).isEqualTo(Float.POSITIVE_INFINITY);
    }

    @Test
    void geluAndSiluMatchTheScalarReferences() {
        float[] x = grid(-30f, 30f, 60_001);
        float[] g = x.clone(), s = x.clone();
        VectorMath.geluTanh(g, 0, g.length);
        VectorMath.silu(s, 0, s.length);
        for (int i = 0; i < x.length; i++) {
            float gr = ScalarMath.geluTanh(x[i]), sr = ScalarMath.silu(x[i]);
            assertThat(g[i]).as("gelu(%s)", x[i]).isCloseTo(gr, within(2e-7f + 4e-7f * Math.abs(gr)));
            assertThat(s[i]).as("silu(%s)", x[i]).isCloseTo(sr, within(2e-7f + 4e-7f * Math.abs(sr)));
        }
    }

    @Test
    void aMaskedTailGivesTheSameBitsAsAFullVector() {
        Random rng = new Random(3);
        float[] x = new float[101];
        for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextGaussian() * 4;
        float[] whole = x.clone(), pieces = x.clone(), b = x.clone(), mulWhole = x.clone(), mulPieces = x.clone();
        VectorMath.geluTanh(whole, 0, whole.length);
        for (int i = 0; i < x.length; i += 7) VectorMath.geluTanh(pieces, i, Math.min(x.length, i + 7));
        VectorMath.siluMul(mulWhole, b, 0, x.length);
        for (int i = 0; i < x.length; i += 5) VectorMath.siluMul(mulPieces, b, i, Math.min(x.length, i + 5));
        for (int i = 0; i < x.length; i++) {
            assertThat(Float.floatToRawIntBits(pieces[i])).isEqualTo(Float.floatToRawIntBits(whole[i]));
            assertThat(Float.floatToRawIntBits(mulPieces[i])).isEqualTo(Float.floatToRawIntBits(mulWhole[i]));
        }
    }
}
