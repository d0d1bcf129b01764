package specdec.models.llama;

/**
 * Rotary inverse frequencies, computed in float32 the way HF's rotary embedding computes them,
 * so that angles at long positions round as they do there.
 */
public final class RopeFrequencies {
    private RopeFrequencies() {}

    public static float[] of(int headDim, double theta, RopeScaling scaling) {
        int half = headDim / 2;
        float[] inv = new float[half];
        for (int i = 0; i < half; i++) {
            float exponent = (float) (2 * i) / (float) headDim;
            inv[i] = 1.0f / (float) Math.pow(theta, exponent);
        }
        if (scaling == null) return inv;
        switch (scaling.type()) {
            case "linear" -> {
                for (int i = 0; i < half; i++) inv[i] = (float) (inv[i] / scaling.factor());
            }
            case "llama3" -> applyLlama3(inv, scaling);
            default -> throw new IllegalArgumentException(scaling.type());
        }
        return inv;
    }

    /** Long wavelengths are slowed by the factor, short ones kept, the band between blended. */
    private static void applyLlama3(float[] inv, RopeScaling s) {
        float factor = (float) s.factor();
        float low = (float) s.lowFreqFactor(), high = (float) s.highFreqFactor();
        float oldContext = s.originalMaxPositionEmbeddings();
        float lowFreqWavelen = oldContext / low;
        float highFreqWavelen = oldContext / high;
        for (int i = 0; i < inv.length; i++) {
            float wavelen = (float) (2 * Math.PI) / inv[i];
            float scaled = wavelen > lowFreqWavelen ? inv[i] / factor : inv[i];
            if (!(wavelen < highFreqWavelen) && !(wavelen > lowFreqWavelen)) {
                float smooth = (oldContext / wavelen - low) / (high - low);
                scaled = (1 - smooth) * scaled / factor + smooth * scaled;
            }
            inv[i] = scaled;
        }
    }
}
