package specdec.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import specdec.engine.decode.GenerationResult;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static specdec.tests.CliTest.assertUserError;
import static specdec.tests.CliTest.run;

class GenerateCliTest {
    @TempDir
    Path dir;

    private Path model(String name, String... extra) {
        Path p = dir.resolve(name);
        String[] args = {"init-model", "--arch", "gpt2", "--preset", "tiny", "--perturb-norms", "--out", p.toString()};
        String[] all = java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.Arrays.stream(extra)).toArray(String[]::new);
        assertThat(run(all).code()).isZero();
        return p;
    }

    @Test
    void speculativeRunPrintsIdsAndASummaryLine() {
        Path target = model("t", "--seed", "1"), draft = model("d", "--seed", "1", "--dtype", "bf16");
        CliTest.Result r = run("generate", "--model", target.toString(), "--draft", draft.toString(), "--ids", "1,2,3",
                "--max-new-tokens", "16", "--k", "4", "--ignore-eos");
        assertThat(r.code()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).startsWith("[").endsWith("]");
        assertThat(lines.get(1)).startsWith("SD-K4 | 16 tok | ").contains("tok/s", "p50=", "accept=", "tok/round", "predicted", "measured");
        CliTest.Result ar = run("generate", "--model", target.toString(), "--ids", "1,2,3", "--max-new-tokens", "16", "--ignore-eos");
        assertThat(ar.out().lines().toList().get(0)).as("greedy SD equals AR").isEqualTo(lines.get(0));
        assertThat(ar.out().lines().toList().get(1)).startsWith("AR | 16 tok");
    }

    @Test
    void selfSpeculationDraftsFromTheTargetQuantised() {
        Path target = model("t", "--seed", "1");
        CliTest.Result ar = run("generate", "--model", target.toString(), "--ids", "1,2,3", "--max-new-tokens", "16", "--ignore-eos", "--json");
        int[] want = GenerationResult.fromJsonLine(ar.out().lines().findFirst().orElseThrow()).generatedIds();
        for (String self : new String[] {"self:q8_0", "self:q4_0"}) {
            CliTest.Result r = run("generate", "--model", target.toString(), "--draft", self, "--ids", "1,2,3",
                    "--max-new-tokens", "16", "--k", "4", "--ignore-eos", "--json");
            assertThat(r.code()).as(r.err()).isZero();
            GenerationResult g = GenerationResult.fromJsonLine(r.out().lines().findFirst().orElseThrow());
            assertThat(g.generatedIds()).as(self).containsExactly(want);
            assertThat(g.speculation().drafted()).isPositive();
        }
        CliTest.Result q = run("generate", "--model", target.toString(), "--quantize", "q8_0", "--draft", "self:q4_0", "--ids", "1,2,3",
                "--max-new-tokens", "8", "--ignore-eos");
        assertThat(q.code()).as(q.err()).isZero();
        assertUserError(run("generate", "--model", target.toString(), "--draft", "self:q5_k", "--ids", "1", "--max-new-tokens", "2"),
                "unknown quantisation 'q5_k'");
        assertUserError(run("generate", "--model", target.toString(), "--draft", "self:q8_0", "--draft-quantize", "q4_0", "--ids", "1",
                "--max-new-tokens", "2"), "drop --draft-quantize");
        assertUserError(run("generate", "--model", target.toString(), "--quantize", "q8_0", "--dtype", "f16", "--ids", "1",
                "--max-new-tokens", "2"), "--quantize or --dtype");
    }

    @Test
    void benchDecodeTakesDtypeAndQuantize() throws Exception {
        Path target = model("t", "--seed", "1");
        for (String[] fmt : new String[][] {{"--quantize", "q8_0"}, {"--quantize", "q4_0"}, {"--dtype", "bf16"}, {"--dtype", "f32"}}) {
            CliTest.Result r = run("bench-decode", "--model", target.toString(), fmt[0], fmt[1], "--tokens", "4", "--warmup", "2", "--warmup-quiet", "0", "--json");
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.out()).contains("\"decode_tok_per_s\"", "\"forward_k1_over_forward_1\"", "\"weights\":\"" + fmt[1].toUpperCase() + "\"");
            JsonNode o = new ObjectMapper().readTree(r.out());
            // the read rate is the weight bytes over the step's median time
            assertThat(o.get("weight_read_gb_per_s").asDouble())
                    .isCloseTo(o.get("weight_bytes_per_token").asLong() / (o.get("decode_ms_p50").asDouble() * 1e6), within(1e-9));
            assertThat(o.get("weight_bytes_per_token").asLong()).isPositive();
            // no quiet period asked for: exactly the rounds asked for
            assertThat(o.get("warmup_rounds").asInt()).isEqualTo(2);
            assertThat(o.get("warmup_jit_settled").asBoolean()).isTrue();
        }
        assertUserError(run("bench-decode", "--model", target.toString(), "--warmup-quiet", "40"), "--warmup-quiet must be between 0 and 30");
        assertUserError(run("generate", "--model", target.toString(), "--ids", "1", "--warmup", "-1"), "--warmup must be >= 0");
    }

    @Test
    void numSamplesGivesOneJsonObjectPerSampleWithDerivedSeeds() {
        Path target = model("t", "--seed", "1"), draft = model("d", "--seed", "2");
        CliTest.Result r = run("generate", "--model", target.toString(), "--draft", draft.toString(), "--ids", "4,5",
                "--max-new-tokens", "8", "--temperature", "1", "--num-samples", "5", "--seed", "3", "--json", "--ignore-eos");
        assertThat(r.code()).as(r.err()).isZero();
        List<GenerationResult> results = r.out().lines().map(GenerationResult::fromJsonLine).toList();
        assertThat(results).hasSize(5);
        assertThat(results.stream().map(GenerationResult::seed).distinct().count()).isEqualTo(5);
        for (GenerationResult g : results) {
            assertThat(g.generatedIds()).hasSize(8);
            assertThat(g.configHash()).hasSize(12);
            assertThat(g.speculation().rounds()).isPositive();
        }
        CliTest.Result again = run("generate", "--model", target.toString(), "--draft", draft.toString(), "--ids", "4,5",
                "--max-new-tokens", "8", "--temperature", "1", "--num-samples", "5", "--seed", "3", "--json", "--ignore-eos");
        List<int[]> ids1 = results.stream().map(GenerationResult::generatedIds).toList();
        List<int[]> ids2 = again.out().lines().map(GenerationResult::fromJsonLine).map(GenerationResult::generatedIds).toList();
        for (int i = 0; i < 5; i++) assertThat(ids2.get(i)).as("same seed, same tokens").containsExactly(ids1.get(i));
    }

    @Test
    void mismatchedVocabulariesAndBadOptionsAreRefused() {
        Path target = model("t");
        // a draft whose config declares another vocabulary: refused before its weights are read
        Path big = model("big");
        java.nio.file.Path cfg = big.resolve("config.json");
        try {
            java.nio.file.Files.writeString(cfg, java.nio.file.Files.readString(cfg).replace("\"vocab_size\" : 512", "\"vocab_size\" : 32000"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        assertUserError(run("generate", "--model", target.toString(), "--draft", big.toString(), "--ids", "1"),
                "vocabularies differ", "vocab_size 32000", "512");
        assertUserError(run("generate", "--model", target.toString(), "--prompt", "hello"), "--prompt needs a tokenizer", "--ids");
        assertUserError(run("generate", "--model", target.toString(), "--ids", "1", "--top-p", "0"), "--top-p");
        assertUserError(run("generate", "--model", target.toString(), "--ids", "1", "--k", "0", "--draft-ngram", "2"), "--k");
        String full = String.join(",", java.util.Collections.nCopies(128, "1"));
        assertUserError(run("generate", "--model", target.toString(), "--ids", full), "128 tokens", "context holds 128");
    }

    @Test
    void ngramDraftingRuns() {
        Path target = model("t");
        CliTest.Result r = run("generate", "--model", target.toString(), "--draft-ngram", "2", "--ids", "1,2,3,1,2,3,1,2",
                "--max-new-tokens", "10", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        GenerationResult g = GenerationResult.fromJsonLine(r.out().strip());
        assertThat(g.drafter()).startsWith("prompt lookup");
        assertThat(g.speculation().drafted()).isPositive();
    }
}
