package specdec.tests;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import specdec.engine.backend.cpu.CpuBackend;
import specdec.engine.decode.AutoregressiveDecoder;
import specdec.engine.decode.Drafter;
import specdec.engine.decode.GenerationOptions;
import specdec.engine.decode.GenerationResult;
import specdec.engine.decode.ModelDrafter;
import specdec.engine.decode.NgramDrafter;
import specdec.engine.decode.SamplingParams;
import specdec.engine.decode.SpeculativeDecoder;
import specdec.engine.decode.StopReason;
import specdec.engine.kv.KvCache;
import specdec.engine.model.Logits;
import specdec.engine.tensor.DType;
import specdec.models.ModelLoader;
import specdec.models.TransformerModel;

import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The speculative loop is exact: greedy output equals autoregressive output token for token. */
class SpeculativeDecodingTest {
    static CpuBackend backend;
    static TransformerModel gpt2, gpt2Draft, gpt2Bf16, llama, llamaDraft, llamaOther;

    @BeforeAll
    static void load() {
        backend = new CpuBackend(2);
        gpt2 = ModelLoader.load(TestModels.get("gpt2-tiny", DType.F32), backend);
        gpt2Draft = ModelLoader.load(TestModels.get("gpt2-tiny", DType.F32, 7), backend);
        gpt2Bf16 = ModelLoader.load(TestModels.get("gpt2-tiny", DType.BF16), backend);
        llama = ModelLoader.load(TestModels.get("llama-tiny", DType.F32), backend);
        llamaDraft = ModelLoader.load(TestModels.get("llama-tiny", DType.BF16), backend);
        llamaOther = ModelLoader.load(TestModels.get("llama-tiny", DType.F32, 8), backend);
    }

    @AfterAll
    static void close() {
        for (TransformerModel m : new TransformerModel[] {gpt2, gpt2Draft, gpt2Bf16, llama, llamaDraft, llamaOther}) m.close();
        backend.close();
    }

    static GenerationOptions greedy(int maxNew, int... eos) {
        return new GenerationOptions(maxNew, SamplingParams.greedy(), 0, eos, "test");
    }

    static GenerationResult ar(TransformerModel m, int[] prompt, GenerationOptions o, int capacity) {
        try (AutoregressiveDecoder d = new AutoregressiveDecoder(m, capacity)) {
            return d.generate(prompt, o);
        }
    }

    static GenerationResult sd(TransformerModel target, Drafter drafter, int k, int[] prompt, GenerationOptions o, int capacity) {
        try (drafter; SpeculativeDecoder d = new SpeculativeDecoder(target, drafter, capacity, k, false)) {
            return d.generate(prompt, o);
        }
    }

    static void assertCountsConsistent(GenerationResult r) {
        GenerationResult.Speculation s = r.speculation();
        assertThat(s.accepted()).isLessThanOrEqualTo(s.drafted());
        assertThat(Arrays.stream(s.acceptedPerPosition()).sum()).isEqualTo(s.accepted());
        assertThat(Arrays.stream(s.draftedPerPosition()).sum()).isEqualTo(s.drafted());
        for (int i = 1; i < s.acceptedPerPosition().length; i++) {
            assertThat(s.acceptedPerPosition()[i]).isLessThanOrEqualTo(s.acceptedPerPosition()[i - 1]);
        }
        // each round emits its accepted drafts plus one token; only an EOS can cut a round short
        if (r.stopReason() == StopReason.EOS) {
            assertThat((long) r.generatedTokens()).isLessThanOrEqualTo(s.accepted() + s.rounds());
        } else {
            assertThat((long) r.generatedTokens()).isEqualTo(s.accepted() + s.rounds());
        }
        assertThat(s.meanTokensPerRound()).isEqualTo((double) r.generatedTokens() / s.rounds());
        assertThat(r.tokenLatenciesMs()).hasSize(r.generatedTokens());
    }

    @ParameterizedTest(name = "K={0}")
    @ValueSource(ints = {1, 2, 4, 8})
    void greedySpeculativeEqualsAutoregressive(int k) {
        Random rng = new Random(k);
        long accepted = 0, drafted = 0;
        for (int trial = 0; trial < 6; trial++) {
            boolean useLlama = trial % 2 == 1;
            TransformerModel target = useLlama ? llama : gpt2;
            TransformerModel[] drafts = useLlama ? new TransformerModel[] {llamaDraft, llamaOther} : new TransformerModel[] {gpt2Draft, gpt2Bf16};
            int[] prompt = TestModels.randomIds(rng, 1 + rng.nextInt(20), target.vocabSize());
            GenerationOptions o = greedy(40);
            int cap = prompt.length + 40;
            GenerationResult want = ar(target, prompt, o, cap);
            assertThat(want.generatedTokens()).isEqualTo(40);
            for (TransformerModel draft : drafts) {
                GenerationResult got = sd(target, new ModelDrafter(draft, cap, k), k, prompt, o, cap);
                assertThat(got.generatedIds()).as("trial %d draft %s", trial, draft.config()).containsExactly(want.generatedIds());
                assertCountsConsistent(got);
                accepted += got.speculation().accepted();
                drafted += got.speculation().drafted();
            }
            GenerationResult lookup = sd(target, new NgramDrafter(2, k), k, prompt, o, cap);
            assertThat(lookup.generatedIds()).containsExactly(want.generatedIds());
        }
        // the drafts must disagree sometimes, or the comparison proves little
        assertThat(accepted).isPositive().isLessThan(drafted);
    }

    @Test
    void adaptiveKKeepsTheOutputAndStaysWithinBounds() {
        Random rng = new Random(77);
        for (int trial = 0; trial < 4; trial++) {
            TransformerModel target = trial % 2 == 0 ? gpt2 : llama;
            TransformerModel draft = trial % 2 == 0 ? gpt2Draft : llamaOther;
            int[] prompt = TestModels.randomIds(rng, 1 + rng.nextInt(10), target.vocabSize());
            int cap = prompt.length + 48;
            GenerationResult want = ar(target, prompt, greedy(48), cap);
            try (ModelDrafter drafter = new ModelDrafter(draft, cap, 6);
                 SpeculativeDecoder d = new SpeculativeDecoder(target, drafter, cap, 6, true)) {
                GenerationResult got = d.generate(prompt, greedy(48));
                assertThat(got.generatedIds()).containsExactly(want.generatedIds());
                assertCountsConsistent(got);
                assertThat(got.speculation().draftedPerPosition()).hasSize(6);
            }
        }
    }

    @Test
    void selfDraftAcceptsEveryTokenWhenSampling() {
        int[] prompt = {5, 9, 2};
        GenerationOptions o = new GenerationOptions(48, new SamplingParams(1.0, 0, 1), 11, new int[0], "t");
        GenerationResult r = sd(gpt2, new ModelDrafter(gpt2, 60, 4), 4, prompt, o, 60);
        assertThat(r.speculation().acceptanceRate()).isEqualTo(1.0);
        assertThat(r.speculation().accepted()).isEqualTo(r.speculation().drafted());
        assertCountsConsistent(r);
    }

    @Test
    void eosInsideADraftBlockStopsThere() {
        int[] prompt = {3, 1, 4, 1, 5};
        GenerationResult free = ar(gpt2, prompt, greedy(30), 40);
        int eos = free.generatedIds()[6];
        int firstEos = 0;
        while (free.generatedIds()[firstEos] != eos) firstEos++;
        GenerationResult want = ar(gpt2, prompt, greedy(30, eos), 40);
        assertThat(want.generatedIds()).hasSize(firstEos + 1);
        assertThat(want.stopReason()).isEqualTo(StopReason.EOS);
        GenerationResult got = sd(gpt2, new ModelDrafter(gpt2, 40, 8), 8, prompt, greedy(30, eos), 40);
        assertThat(got.generatedIds()).containsExactly(want.generatedIds());
        assertThat(got.stopReason()).isEqualTo(StopReason.EOS);
    }

    @Test
    void maxNewTokensIsNeverExceeded() {
        int[] prompt = {7, 7, 7};
        for (int max = 1; max <= 11; max++) {
            GenerationResult got = sd(gpt2, new ModelDrafter(gpt2, 30, 8), 8, prompt, greedy(max), 30);
            assertThat(got.generatedIds()).hasSize(max);
            assertThat(got.stopReason()).isEqualTo(StopReason.MAX_TOKENS);
            assertThat(got.generatedIds()).containsExactly(ar(gpt2, prompt, greedy(max), 30).generatedIds());
        }
    }

    @Test
    void contextLimitOfTargetOrDraftStopsCleanly() {
        int ctx = gpt2.contextLength();
        int[] prompt = TestModels.randomIds(new Random(2), ctx - 9, gpt2.vocabSize());
        GenerationResult want = ar(gpt2, prompt, greedy(50), ctx);
        assertThat(want.stopReason()).isEqualTo(StopReason.CONTEXT);
        assertThat(want.generatedIds()).hasSize(9);
        GenerationResult got = sd(gpt2, new ModelDrafter(gpt2Draft, ctx, 4), 4, prompt, greedy(50), ctx);
        assertThat(got.generatedIds()).containsExactly(want.generatedIds());
        assertThat(got.stopReason()).isEqualTo(StopReason.CONTEXT);

        // a draft whose context ends 4 positions earlier stops the run there
        GenerationResult shortDraft = sd(gpt2, new ModelDrafter(gpt2Draft, ctx - 4, 4), 4, prompt, greedy(50), ctx);
        assertThat(shortDraft.stopReason()).isEqualTo(StopReason.CONTEXT);
        assertThat(shortDraft.generatedIds()).containsExactly(Arrays.copyOf(want.generatedIds(), shortDraft.generatedTokens()));
        assertThat(shortDraft.generatedTokens()).isLessThan(9);
    }

    @Test
    void cachesAfterRollbackContinueLikeARecomputation() {
        int[] prompt = {10, 20, 30, 40};
        int cap = 64;
        try (ModelDrafter drafter = new ModelDrafter(gpt2Draft, cap, 4);
             SpeculativeDecoder d = new SpeculativeDecoder(gpt2, drafter, cap, 4, false)) {
            GenerationOptions o = new GenerationOptions(30, new SamplingParams(0.8, 0, 1), 5, new int[0], "t");
            GenerationResult r = d.generate(prompt, o);
            int[] all = new int[prompt.length + r.generatedTokens()];
            System.arraycopy(prompt, 0, all, 0, prompt.length);
            System.arraycopy(r.generatedIds(), 0, all, prompt.length, r.generatedTokens());
            KvCache cache = d.cache();
            assertThat(cache.length()).isEqualTo(all.length - 1);
            float[] next = gpt2.forward(all, all.length - 1, 1, cache, false).row(0);
            float[] want;
            try (KvCache fresh = gpt2.newCache(all.length)) {
                Logits l = gpt2.forward(all, fresh);
                want = l.row(all.length - 1);
            }
            assertThat(next).containsExactly(want);
            assertThat(drafter.cache().length()).isLessThanOrEqualTo(all.length - 1);
        }
    }

    @Test
    void oneTokenStepsAndVerificationBlocksGiveIdenticalLogits() {
        int[] ids = TestModels.randomIds(new Random(4), 12, llama.vocabSize());
        try (KvCache a = llama.newCache(12); KvCache b = llama.newCache(12)) {
            llama.forward(ids, 0, 7, a, true);
            llama.forward(ids, 0, 7, b, true);
            float[][] block = new float[5][];
            Logits l = llama.forward(ids, 7, 5, a, false);
            for (int t = 0; t < 5; t++) block[t] = l.row(t);
            for (int t = 0; t < 5; t++) {
                assertThat(llama.forward(ids, 7 + t, 1, b, false).row(0)).as("position %d", 7 + t).containsExactly(block[t]);
            }
        }
    }

    @Test
    void resultsRoundTripThroughJsonLines() {
        GenerationResult r = sd(gpt2, new NgramDrafter(3, 4), 4, new int[] {1, 2, 1, 2, 1}, greedy(12), 20);
        GenerationResult back = GenerationResult.fromJsonLine(r.toJsonLine());
        assertThat(back.generatedIds()).containsExactly(r.generatedIds());
        assertThat(back.speculation().acceptedPerPosition()).containsExactly(r.speculation().acceptedPerPosition());
        assertThat(back.stopReason()).isEqualTo(r.stopReason());
        assertThat(back.toJsonLine()).isEqualTo(r.toJsonLine());
    }
}
