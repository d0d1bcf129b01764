package specdec.tests;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import specdec.engine.tensor.DType;
import specdec.models.ModelInit;
import specdec.models.OfflinePairs;
import specdec.models.PairRegistry;
import specdec.models.Presets;
import specdec.models.hub.HubCache;
import specdec.models.hub.ModelRef;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static specdec.tests.CliTest.assertUserError;
import static specdec.tests.CliTest.run;

class PairRegistryTest {
    @TempDir
    Path dir;

    @Test
    void builtInPairsShareATokenizerOrSayWhyNot() {
        PairRegistry r = PairRegistry.load();
        assertThat(r.names()).contains("gpt2-text-dev", "gpt2-tiny-dev", "gpt2-xl", "tinyllama-llama2-7b",
                "llama3.2-1b-llama3.1-8b", "llama3.1-8b-self-q4");
        assertThat(r.get("gpt2-xl").draft()).isEqualTo("openai-community/gpt2");
        assertThat(r.get("tinyllama-llama2-7b").target()).isEqualTo("meta-llama/Llama-2-7b-hf");
        assertThat(r.get("llama3.1-8b-self-q4").unavailable()).isNull();
        assertThat(r.get("llama3.1-8b-self-q4").selfDraftQuantization()).isEqualTo(DType.Q4_0);
        assertThat(r.get("gpt2-text-dev-self-q4").selfDraftQuantization()).isEqualTo(DType.Q4_0);
        assertThat(r.get("gpt2-text-dev").selfDraftQuantization()).isNull();
        assertUserError(run("generate", "--pair", "nope", "--ids", "1"), "unknown pair 'nope'", "gpt2-tiny-dev");
    }

    @Test
    void offlinePairsAreWrittenOnceAndReused() throws IOException {
        PairRegistry.Pair pair = PairRegistry.load().get("llama-tiny-dev");
        Path[] dirs = OfflinePairs.ensure(pair.name(), pair.offline(), dir);
        Path weights = dirs[0].resolve("model.safetensors");
        FileTime first = Files.getLastModifiedTime(weights);
        OfflinePairs.ensure(pair.name(), pair.offline(), dir);
        assertThat(Files.getLastModifiedTime(weights)).isEqualTo(first);
        try (var listing = Files.list(dirs[0].getParent())) {
            assertThat(listing.map(p -> p.getFileName().toString()).sorted().toList()).containsExactly("draft", "target");
        }
    }

    @Test
    void aSelfSpeculationPairWritesOnlyItsTarget() throws IOException {
        PairRegistry.Pair pair = PairRegistry.load().get("gpt2-tiny-dev");
        PairRegistry.Offline self = new PairRegistry.Offline(pair.offline().arch(), pair.offline().preset(), 1, "f32", "self:q8_0", null);
        Path[] dirs = OfflinePairs.ensure("tiny-self", self, dir);
        assertThat(dirs[1]).isEqualTo(dirs[0]);
        try (var listing = Files.list(dirs[0].getParent())) {
            assertThat(listing.map(p -> p.getFileName().toString()).toList()).containsExactly("target");
        }
    }

    @Test
    void userFilesAddPairsAndMistakesNameTheField() throws IOException {
        Path t = dir.resolve("t"), d = dir.resolve("d");
        ModelInit.write(Presets.get("gpt2", "tiny"), DType.F32, 1, false, t);
        ModelInit.write(Presets.get("gpt2", "tiny"), DType.F32, 2, false, d);
        Path file = dir.resolve("pairs.yaml");
        Files.writeString(file, "pairs:\n  - name: mine\n    target: " + t + "\n    draft: " + d + "\n");
        assertThat(PairRegistry.withFile(file).get("mine").target()).isEqualTo(t.toString());
        CliTest.Result r = run("generate", "--pair", "mine", "--pairs-file", file.toString(), "--ids", "1,2", "--max-new-tokens", "4");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("SD-K4 | 4 tok");
        assertThat(run("pairs", "--pairs-file", file.toString()).out()).contains("mine").contains("gpt2-xl");

        Files.writeString(file, "pairs:\n  - name: broken\n    target: x\n");
        assertThatThrownBy(() -> PairRegistry.withFile(file)).hasMessageContaining("pair 'broken'").hasMessageContaining("'draft'");
        Files.writeString(file, "pairs:\n  - target: x\n    draft: y\n");
        assertThatThrownBy(() -> PairRegistry.withFile(file)).hasMessageContaining("pairs[0]").hasMessageContaining("'name'");
        Files.writeString(file, "pairs: [unclosed\n");
        assertThatThrownBy(() -> PairRegistry.withFile(file)).hasMessageContaining("not valid YAML");
        Files.writeString(file, "pairs:\n  - name: x\n    offline: {arch: gpt2, preset: huge}\n");
        assertThatThrownBy(() -> PairRegistry.withFile(file)).hasMessageContaining("no preset 'huge'");
    }

    @Test
    void hubIdsResolveFromTheStandardCacheLayout() throws IOException {
        HubCache cache = new HubCache(dir.resolve("hub"));
        String commit = "0123456789abcdef0123456789abcdef01234567";
        Path repo = cache.repoDir("openai-community/gpt2");
        Path snap = repo.resolve("snapshots").resolve(commit);
        ModelInit.write(Presets.get("gpt2", "tiny"), DType.F32, 1, false, snap);
        Files.createDirectories(repo.resolve("refs"));
        Files.writeString(repo.resolve("refs/main"), commit);
        assertThat(ModelRef.resolve("openai-community/gpt2", cache)).isEqualTo(snap);
        assertThat(ModelRef.resolve("gpt2", cache)).as("bare legacy name").isEqualTo(snap);
        assertThat(ModelRef.resolve("gpt2@" + commit, cache)).isEqualTo(snap);
        assertThatThrownBy(() -> ModelRef.resolve("gpt2@v2", cache)).hasMessageContaining("revision 'v2'").hasMessageContaining(cache.root().toString());
        assertThatThrownBy(() -> ModelRef.resolve("meta-llama/Llama-2-7b-hf", cache)).hasMessageContaining("not in the Hugging Face cache");
        assertThatThrownBy(() -> ModelRef.resolve("../../etc passwd", cache)).hasMessageContaining("not a Hugging Face model id");
    }
}
