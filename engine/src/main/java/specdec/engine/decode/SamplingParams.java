package specdec.engine.decode;

import specdec.engine.SpecdecException;

/**
 * How logits become a distribution: temperature, then top-k, then top-p, as HF's warpers apply
 * them. Temperature 0 means greedy (argmax). topK 0 and topP 1 switch those filters off.
 */
public record SamplingParams(double temperature, int topK, double topP) {
    public SamplingParams {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) throw new SpecdecException("--temperature must be >= 0, got " + temperature);
        if (topK < 0) throw new SpecdecException("--top-k must be >= 0, got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new SpecdecException("--top-p must be in (0, 1], got " + topP);
    }

    public static SamplingParams greedy() {
        return new SamplingParams(0, 0, 1);
    }

    public boolean isGreedy() {
        return temperature == 0;
    }
}
