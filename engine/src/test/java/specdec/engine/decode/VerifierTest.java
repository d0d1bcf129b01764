package specdec.engine.decode;

import org.junit.jupiter.api.Test;
import specdec.engine.model.Logits;

import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

import static org.assertj.core.api.Assertions.assertThat;

/** The rejection-sampling step on hand-made p and q: its output follows p exactly. */
class VerifierTest {
    private static final double[] P1 = {0.05, 0.4, 0.1, 0.3, 0.15};
    private static final double[] P2 = {0.3, 0.1, 0.2, 0.25, 0.15};
    private static final double[] Q1 = {0.4, 0.1, 0.3, 0.1, 0.1};

    /** A drafter that has already proposed from fixed q distributions. */
    private static class FixedDrafter implements Drafter {
        final float[][] q;

        FixedDrafter(double[]... qs) {
            q = new float[qs.length][];
            for (int i = 0; i < qs.length; i++) {
                q[i] = new float[qs[i].length];
                for (int j = 0; j < qs[i].length; j++) q[i][j] = (float) qs[i][j];
            }
        }

        public void prefill(int[] c, int n) {}

        public int propose(int[] c, int n, int k, SamplingParams p, RandomGenerator r, int[] out) {
            for (int i = 0; i < k; i++) out[i] = Sampling.sample(q[i], q[i].length, r);
            return k;
        }

        public float[] q(int i) {
            return q[i];
        }

        public int maxDraft(int n) {
            return q.length;
        }

        public long forwards() {
            return 0;
        }

        public String name() {
            return "fixed";
        }
    }

    private static Logits logitsOf(double[]... rows) {
        Logits l = new Logits(rows[0].length);
        float[] d = l.reset(rows.length);
        for (int r = 0; r < rows.length; r++) for (int j = 0; j < rows[r].length; j++) d[r * rows[r].length + j] = (float) Math.log(rows[r][j]);
        return l;
    }

    @Test
    void firstTokenFollowsTheTargetForAPoorDraft() {
        FixedDrafter drafter = new FixedDrafter(Q1);
        Logits target = logitsOf(P1, P2);
        Verifier v = new Verifier(5);
        SplittableRandom rng = new SplittableRandom(1);
        int n = 200_000;
        long[] counts = new long[5];
        int[] drafts = new int[1];
        long accepted = 0;
        for (int i = 0; i < n; i++) {
            drafter.propose(null, 0, 1, new SamplingParams(1, 0, 1), rng, drafts);
            v.verify(target, drafts, 1, drafter, new SamplingParams(1, 0, 1), rng);
            accepted += v.accepted();
            counts[v.accepted() == 1 ? drafts[0] : v.next()]++;
        }
        double[] stat = ChiSquare.statistic(counts, P1, n);
        assertThat(stat[0]).isLessThan(ChiSquare.critical(stat[1], ChiSquare.Z_001));
        // acceptance probability is sum_x min(p, q) = 0.05 + 0.1 + 0.1 + 0.1 + 0.1 = 0.45
        assertThat(accepted / (double) n).isBetween(0.445, 0.455);
    }

    @Test
    void samplingFromTheDraftInsteadFailsTheSameTest() {
        SplittableRandom rng = new SplittableRandom(2);
        float[] q = new float[5];
        for (int j = 0; j < 5; j++) q[j] = (float) Q1[j];
        long[] counts = new long[5];
        int n = 200_000;
        for (int i = 0; i < n; i++) counts[Sampling.sample(q, 5, rng)]++;
        double[] stat = ChiSquare.statistic(counts, P1, n);
        assertThat(stat[0]).isGreaterThan(ChiSquare.critical(stat[1], ChiSquare.Z_001));
    }

    @Test
    void pointMassProposalsAreAcceptedWithTheTargetProbability() {
        Drafter deterministic = new FixedDrafter(Q1) {
            @Override
            public float[] q(int i) {
                return null;
            }
        };
        Logits target = logitsOf(P1, P2);
        Verifier v = new Verifier(5);
        SplittableRandom rng = new SplittableRandom(3);
        int n = 200_000;
        long[] counts = new long[5];
        long accepted = 0;
        for (int i = 0; i < n; i++) {
            v.verify(target, new int[] {3}, 1, deterministic, new SamplingParams(1, 0, 1), rng);
            accepted += v.accepted();
            counts[v.accepted() == 1 ? 3 : v.next()]++;
        }
        assertThat(accepted / (double) n).isBetween(0.295, 0.305);
        double[] stat = ChiSquare.statistic(counts, P1, n);
        assertThat(stat[0]).isLessThan(ChiSquare.critical(stat[1], ChiSquare.Z_001));
    }

    @Test
    void allAcceptedGivesABonusFromTheLastRow() {
        FixedDrafter drafter = new FixedDrafter(P1);
        Logits target = logitsOf(P1, P2);
        Verifier v = new Verifier(5);
        SplittableRandom rng = new SplittableRandom(4);
        long[] bonus = new long[5];
        int n = 100_000;
        for (int i = 0; i < n; i++) {
            v.verify(target, new int[] {1}, 1, drafter, new SamplingParams(1, 0, 1), rng);
            assertThat(v.accepted()).isEqualTo(1); // q == p: always kept
            bonus[v.next()]++;
        }
        double[] stat = ChiSquare.statistic(bonus, P2, n);
        assertThat(stat[0]).isLessThan(ChiSquare.critical(stat[1], ChiSquare.Z_001));
    }

    @Test
    void greedyKeepsDraftsWhileTheyAreTheArgmax() {
        Logits target = logitsOf(P1, P2, P1);
        Verifier v = new Verifier(5);
        FixedDrafter drafter = new FixedDrafter(Q1, Q1);
        v.verify(target, new int[] {1, 0}, 2, drafter, SamplingParams.greedy(), new SplittableRandom(0));
        assertThat(v.accepted()).isEqualTo(2);
        assertThat(v.next()).isEqualTo(1);
        v.verify(target, new int[] {1, 3}, 2, drafter, SamplingParams.greedy(), new SplittableRandom(0));
        assertThat(v.accepted()).isEqualTo(1);
        assertThat(v.next()).isEqualTo(0);
    }
}
