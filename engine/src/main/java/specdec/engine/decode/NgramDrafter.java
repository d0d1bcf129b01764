package specdec.engine.decode;

import java.util.random.RandomGenerator;

/**
 * Prompt lookup: find the latest earlier occurrence of the context's last n tokens (n from
 * {@code maxNgram} down to 1) and propose the tokens that followed it. No model runs; the
 * proposal is deterministic, so the verifier treats q as a point mass.
 */
public final class NgramDrafter implements Drafter {
    private final int maxNgram;
    private final int maxK;

    public NgramDrafter(int maxNgram, int maxK) {
        if (maxNgram < 1) throw new IllegalArgumentException("n-gram size must be >= 1");
        this.maxNgram = maxNgram;
        this.maxK = maxK;
    }

    @Override
    public void prefill(int[] context, int n) {}

    @Override
    public int propose(int[] context, int n, int k, SamplingParams params, RandomGenerator rng, int[] out) {
        for (int size = Math.min(maxNgram, n - 1); size >= 1; size--) {
            int tail = n - size;
            for (int start = n - size - 1; start >= 0; start--) {
                if (matches(context, start, tail, size)) {
                    int from = start + size;
                    int count = Math.min(k, n - from);
                    System.arraycopy(context, from, out, 0, count);
                    return count;
                }
            }
        }
        return 0;
    }

    private static boolean matches(int[] c, int a, int b, int len) {
        for (int i = 0; i < len; i++) if (c[a + i] != c[b + i]) return false;
        return true;
    }

    @Override
    public float[] q(int i) {
        return null;
    }

    @Override
    public int maxDraft(int n) {
        return maxK;
    }

    @Override
    public long forwards() {
        return 0;
    }

    @Override
    public String name() {
        return "prompt lookup (n <= " + maxNgram + ")";
    }
}
