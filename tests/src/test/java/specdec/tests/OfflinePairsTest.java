package specdec.tests;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import specdec.models.ModelLoader;
import specdec.models.OfflinePairs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OfflinePairsTest {
    @Test
    void createsThePairOnceAndReusesIt(@TempDir Path cache) throws IOException {
        OfflinePairs.Pair pair = OfflinePairs.get("llama-tiny-dev");
        Path[] dirs = OfflinePairs.ensure(pair, cache);
        assertThat(ModelLoader.readConfig(dirs[0]).vocabSize()).isEqualTo(ModelLoader.readConfig(dirs[1]).vocabSize());
        Path weights = dirs[0].resolve("model.safetensors");
        FileTime first = Files.getLastModifiedTime(weights);
        OfflinePairs.ensure(pair, cache);
        assertThat(Files.getLastModifiedTime(weights)).isEqualTo(first);
        try (var listing = Files.list(dirs[0].getParent())) {
            assertThat(listing.map(p -> p.getFileName().toString()).sorted().toList()).containsExactly("draft", "target");
        }
    }

    @Test
    void unknownPairNamesTheKnownOnes() {
        assertThatThrownBy(() -> OfflinePairs.get("gpt5")).hasMessageContaining("gpt5").hasMessageContaining("gpt2-tiny-dev");
    }
}
