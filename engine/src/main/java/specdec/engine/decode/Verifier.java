package specdec.engine.decode;

import specdec.engine.model.Logits;

import java.util.random.RandomGenerator;

/**
 * Rejection sampling over one verified block (Leviathan et al., Chen et al.): draft token d_i
 * is kept with probability min(1, p_i(d_i) / q_i(d_i)); at the first rejection the replacement
 * is drawn from normalise(max(0, p_i - q_i)); if all are kept a bonus token comes from p_{K+1}.
 * The result is distributed exactly as sampling from the target alone. At temperature 0 a draft
 * token is kept while it equals the target's argmax.
 */
public final class Verifier {
    private final int vocab;
    private final Warper warper;
    private final float[] p;
    private int accepted;
    private int next;

    public Verifier(int vocab) {
        this.vocab = vocab;
        this.warper = new Warper(vocab);
        this.p = new float[vocab];
    }

    /**
     * Verifies {@code drafted} proposals against target logits rows 0..drafted (row i predicts
     * the token after the block's i-th input). Afterwards {@link #accepted()} proposals were kept
     * and {@link #next()} is the replacement or bonus token.
     */
    public void verify(Logits target, int[] drafts, int drafted, Drafter drafter, SamplingParams params, RandomGenerator rng) {
        float[] logits = target.data();
        for (int i = 0; i < drafted; i++) {
            int d = drafts[i];
            if (params.isGreedy()) {
                int best = Sampling.argmax(logits, target.offset(i), vocab);
                if (best != d) {
                    finish(i, best);
                    return;
                }
                continue;
            }
            warper.probabilities(logits, target.offset(i), params, p);
            float[] q = drafter.q(i);
            double qd = q == null ? 1.0 : q[d];
            if (rng.nextDouble() * qd < p[d]) continue;
            // residual max(0, p - q); a point-mass q only removes d itself
            double mass = 0;
            if (q == null) {
                p[d] = 0f;
                mass = 1;
            } else {
                for (int j = 0; j < vocab; j++) mass += p[j] = Math.max(0f, p[j] - q[j]);
            }
            if (mass <= 0) {
                // p and q differ only by float rounding: the residual's limit is p itself
                warper.probabilities(logits, target.offset(i), params, p);
            }
            finish(i, Sampling.sample(p, vocab, rng));
            return;
        }
        int bonus;
        if (params.isGreedy()) {
            bonus = Sampling.argmax(logits, target.offset(drafted), vocab);
        } else {
            warper.probabilities(logits, target.offset(drafted), params, p);
            bonus = Sampling.sample(p, vocab, rng);
        }
        finish(drafted, bonus);
    }

    private void finish(int accepted, int next) {
        this.accepted = accepted;
        this.next = next;
    }

    public int accepted() {
        return accepted;
    }

    public int next() {
        return next;
    }
}
