package specdec.engine.decode;

/** What to generate: how many tokens, how to sample, which ids end a sequence. */
public record GenerationOptions(int maxNewTokens, SamplingParams sampling, long seed, int[] eosIds, String configHash) {
    public GenerationOptions {
        if (maxNewTokens < 1) throw new specdec.engine.SpecdecException("--max-new-tokens must be >= 1, got " + maxNewTokens);
        eosIds = eosIds.clone();
    }

    public GenerationOptions withSeed(long newSeed) {
        return new GenerationOptions(maxNewTokens, sampling, newSeed, eosIds, configHash);
    }

    boolean isEos(int token) {
        for (int e : eosIds) if (e == token) return true;
        return false;
    }
}
