package specdec.engine.decode;

import java.util.Arrays;

/**
 * Turns one row of logits into the sampling distribution: divide by the temperature, keep the
 * top-k logits, keep the smallest set whose probability reaches top-p, softmax. The same code
 * warps the target's p and the draft's q over the full vocabulary. Scratch is preallocated.
 */
public final class Warper {
    private final int vocab;
    private final float[] sorted;

    public Warper(int vocab) {
        this.vocab = vocab;
        this.sorted = new float[vocab];
    }

    /** Writes the distribution for {@code logits[offset .. offset + vocab)} into {@code probs}. */
    public void probabilities(float[] logits, int offset, SamplingParams params, float[] probs) {
        if (params.isGreedy()) {
            Arrays.fill(probs, 0, vocab, 0f);
            probs[Sampling.argmax(logits, offset, vocab)] = 1f;
            return;
        }
        float invT = (float) (1.0 / params.temperature());
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            float v = logits[offset + i] * invT;
            probs[i] = v;
            if (v > max) max = v;
        }
        if (params.topK() > 0 && params.topK() < vocab) {
            System.arraycopy(probs, 0, sorted, 0, vocab);
            Arrays.sort(sorted, 0, vocab);
            float kth = sorted[vocab - params.topK()];
            for (int i = 0; i < vocab; i++) if (probs[i] < kth) probs[i] = Float.NEGATIVE_INFINITY;
        }
        softmax(probs, max);
        if (params.topP() < 1) {
            System.arraycopy(probs, 0, sorted, 0, vocab);
            Arrays.sort(sorted, 0, vocab);
            // ascending: drop the low tail whose total stays within 1 - top_p; the largest always stays
            double cumulative = 0, drop = 1 - params.topP();
            float threshold = sorted[vocab - 1];
            for (int i = 0; i < vocab; i++) {
                cumulative += sorted[i];
                if (cumulative > drop) {
                    threshold = sorted[i];
                    break;
                }
            }
            double sum = 0;
            for (int i = 0; i < vocab; i++) {
                if (probs[i] < threshold) probs[i] = 0f;
                sum += probs[i];
            }
            float inv = (float) (1.0 / sum);
            for (int i = 0; i < vocab; i++) probs[i] *= inv;
        }
    }

    private void softmax(float[] x, float max) {
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            float e = x[i] == Float.NEGATIVE_INFINITY ? 0f : (float) Math.exp(x[i] - max);
            x[i] = e;
            sum += e;
        }
        float inv = (float) (1.0 / sum);
        for (int i = 0; i < vocab; i++) x[i] *= inv;
    }
}
