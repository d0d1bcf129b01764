package specdec.engine.decode;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;
import specdec.engine.backend.cpu.VectorMath;
import specdec.engine.tensor.Lanes;

import java.util.Arrays;

/**
 * Turns one row of logits into the sampling distribution: divide by the temperature, keep the
 * top-k logits, keep the smallest set whose probability reaches top-p, softmax. The same code
 * warps the target's p and the draft's q over the full vocabulary. Scratch is preallocated.
 */
public final class Warper {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
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
            // the k-th largest by selection, not a full sort of the vocabulary
            float kth = Select.kthLargest(probs, vocab, params.topK(), sorted);
            for (int i = 0; i < vocab; i++) if (probs[i] < kth) probs[i] = Float.NEGATIVE_INFINITY;
        }
        softmax(probs, max);
        if (params.topP() < 1) {
            // ascending: drop the low tail whose total stays within 1 - top_p; the largest always stays.
            // Probabilities below drop / vocab sum to less than drop, so they are all in that tail:
            // only the rest needs sorting (a few hundred entries for a peaked distribution).
            double drop = 1 - params.topP(), cumulative = 0;
            float floor = (float) (drop / vocab);
            int n = 0;
            for (int i = 0; i < vocab; i++) {
                if (probs[i] < floor) cumulative += probs[i];
                else sorted[n++] = probs[i];
            }
            Arrays.sort(sorted, 0, n);
            float threshold = sorted[n - 1];
            for (int i = 0; i < n; i++) {
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

    /** Vectorised: over a 50k-128k vocabulary the scalar Math.exp loop cost more than a small draft's forward. */
    private void softmax(float[] x, float max) {
        FloatVector sum = FloatVector.zero(F);
        for (int i = 0; i < vocab; i += F.length()) {
            VectorMask<Float> in = F.indexInRange(i, vocab);
            FloatVector v = FloatVector.fromArray(F, x, i, in);
            // a masked-out logit (-inf) must weigh exactly 0, not exp's smallest subnormal
            FloatVector e = VectorMath.exp(v.sub(max)).blend(0f, v.eq(Float.NEGATIVE_INFINITY));
            e.intoArray(x, i, in);
            sum = sum.add(e, in);
        }
        float inv = 1f / Lanes.sum(sum);
        for (int i = 0; i < vocab; i += F.length()) {
            VectorMask<Float> in = F.indexInRange(i, vocab);
            FloatVector.fromArray(F, x, i, in).mul(inv).intoArray(x, i, in);
        }
    }
}
