package specdec.tests;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import specdec.engine.backend.cpu.CpuBackend;
import specdec.engine.decode.ChiSquare;
import specdec.engine.decode.GenerationOptions;
import specdec.engine.decode.GenerationResult;
import specdec.engine.decode.ModelDrafter;
import specdec.engine.decode.SamplingParams;
import specdec.engine.decode.SpeculativeDecoder;
import specdec.engine.decode.Warper;
import specdec.engine.kv.KvCache;
import specdec.engine.model.Logits;
import specdec.engine.tensor.DType;
import specdec.models.ModelLoader;
import specdec.models.TransformerModel;

import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sampled speculative decoding with a deliberately different draft: the first and second
 * generated tokens follow the target's warped distribution (chi-square, 0.1% level), for plain
 * temperature, top-k and top-p.
 */
class SpeculativeSamplingTest {
    static CpuBackend backend;
    static TransformerModel target, draft;
    static final int[] PROMPT = {17, 401, 3};
    static final int SAMPLES = 4000;

    @BeforeAll
    static void load() {
        backend = new CpuBackend(2);
        target = ModelLoader.load(TestModels.get("gpt2-tiny", DType.F32), backend);
        draft = ModelLoader.load(TestModels.get("gpt2-tiny", DType.F32, 7), backend);
    }

    @AfterAll
    static void close() {
        target.close();
        draft.close();
        backend.close();
    }

    static Stream<Arguments> warps() {
        return Stream.of(
                Arguments.of(new SamplingParams(0.6, 0, 1)),
                Arguments.of(new SamplingParams(0.8, 12, 1)),
                Arguments.of(new SamplingParams(0.7, 0, 0.8)));
    }

    /** The target's warped distribution after {@code context}. */
    static float[] targetDistribution(int[] context, SamplingParams params) {
        try (KvCache c = target.newCache(context.length)) {
            Logits l = target.forward(context, 0, context.length, c, true);
            float[] p = new float[target.vocabSize()];
            new Warper(target.vocabSize()).probabilities(l.data(), 0, params, p);
            return p;
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("warps")
    void firstAndSecondTokensFollowTheTarget(SamplingParams params) {
        int vocab = target.vocabSize();
        long[] first = new long[vocab], second = new long[vocab];
        long drafted = 0, accepted = 0;
        int cap = PROMPT.length + 2;
        try (ModelDrafter drafter = new ModelDrafter(draft, cap, 3);
             SpeculativeDecoder sd = new SpeculativeDecoder(target, drafter, cap, 3, false)) {
            for (int s = 0; s < SAMPLES; s++) {
                GenerationResult r = sd.generate(PROMPT, new GenerationOptions(2, params, 1000L + s, new int[0], "chi2"));
                first[r.generatedIds()[0]]++;
                second[r.generatedIds()[1]]++;
                drafted += r.speculation().drafted();
                accepted += r.speculation().accepted();
            }
        }
        assertThat((double) accepted / drafted).as("the draft must be poor enough to be rejected often").isLessThan(0.9);

        float[] p1 = targetDistribution(PROMPT, params);
        double[] expectFirst = new double[vocab], expectSecond = new double[vocab];
        int[] ctx = new int[PROMPT.length + 1];
        System.arraycopy(PROMPT, 0, ctx, 0, PROMPT.length);
        for (int x = 0; x < vocab; x++) {
            expectFirst[x] = p1[x];
            if (p1[x] == 0) continue;
            ctx[PROMPT.length] = x;
            float[] p2 = targetDistribution(ctx, params);
            for (int y = 0; y < vocab; y++) expectSecond[y] += p1[x] * p2[y];
        }
        double[] s1 = ChiSquare.statistic(first, expectFirst, SAMPLES);
        double[] s2 = ChiSquare.statistic(second, expectSecond, SAMPLES);
        assertThat(s1[0]).as("first token chi2 with %s dof", s1[1]).isLessThan(ChiSquare.critical(s1[1], ChiSquare.Z_001));
        assertThat(s2[0]).as("second token chi2 with %s dof", s2[1]).isLessThan(ChiSquare.critical(s2[1], ChiSquare.Z_001));

        // the same test rejects the draft's own distribution: it has the power to fail
        float[] q1;
        try (KvCache c = draft.newCache(PROMPT.length)) {
            Logits l = draft.forward(PROMPT, 0, PROMPT.length, c, true);
            q1 = new float[vocab];
            new Warper(vocab).probabilities(l.data(), 0, params, q1);
        }
        long[] fromDraft = new long[vocab];
        java.util.SplittableRandom rng = new java.util.SplittableRandom(9);
        for (int s = 0; s < SAMPLES; s++) fromDraft[specdec.engine.decode.Sampling.sample(q1, vocab, rng)]++;
        double[] sq = ChiSquare.statistic(fromDraft, expectFirst, SAMPLES);
        assertThat(sq[0]).isGreaterThan(ChiSquare.critical(sq[1], ChiSquare.Z_001));
    }
}
