package specdec.engine.safetensors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import specdec.engine.SpecdecException;
import specdec.engine.tensor.DType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CheckpointTest {
    @TempDir
    Path dir;

    private void shards() throws IOException {
        new SafetensorsWriter().add("a", DType.F32, new long[] {2}, new float[] {1, 2}).write(dir.resolve("model-00001-of-00002.safetensors"));
        new SafetensorsWriter().add("b", DType.BF16, new long[] {1}, new float[] {3}).write(dir.resolve("model-00002-of-00002.safetensors"));
    }

    @Test
    void opensShardedCheckpointThroughItsIndex() throws IOException {
        shards();
        Files.writeString(dir.resolve(Checkpoint.INDEX), "{\"metadata\":{\"total_size\":10},\"weight_map\":{"
                + "\"a\":\"model-00001-of-00002.safetensors\",\"b\":\"model-00002-of-00002.safetensors\"}}");
        try (Checkpoint c = Checkpoint.open(dir)) {
            assertThat(c.size()).isEqualTo(2);
            assertThat(c.fileOf("b").getFileName().toString()).isEqualTo("model-00002-of-00002.safetensors");
            assertThat(Encoders.get(c.bytes("a"), DType.F32, 1)).isEqualTo(2f);
            assertThat(Encoders.get(c.bytes("b"), DType.BF16, 0)).isEqualTo(3f);
        }
    }

    @Test
    void indexNamingAMissingShardOrWrongShardFails() throws IOException {
        shards();
        Files.writeString(dir.resolve(Checkpoint.INDEX), "{\"weight_map\":{\"a\":\"gone.safetensors\"}}");
        assertThatThrownBy(() -> Checkpoint.open(dir)).isInstanceOf(SpecdecException.class)
                .hasMessageContaining(Checkpoint.INDEX).hasMessageContaining("gone.safetensors");
        Files.writeString(dir.resolve(Checkpoint.INDEX), "{\"weight_map\":{\"a\":\"model-00002-of-00002.safetensors\"}}");
        assertThatThrownBy(() -> Checkpoint.open(dir)).hasMessageContaining("does not hold it");
        Files.writeString(dir.resolve(Checkpoint.INDEX), "{\"nothing\":1}");
        assertThatThrownBy(() -> Checkpoint.open(dir)).hasMessageContaining("'weight_map'");
    }

    @Test
    void directoryWithoutWeightsIsAClearError() {
        assertThatThrownBy(() -> Checkpoint.open(dir)).isInstanceOf(SpecdecException.class)
                .hasMessageContaining("no model.safetensors");
    }

    @Test
    void missingTensorNamesTheFile() throws IOException {
        new SafetensorsWriter().add("a", DType.F32, new long[] {1}, new float[] {1}).write(dir.resolve("model.safetensors"));
        try (Checkpoint c = Checkpoint.open(dir)) {
            assertThatThrownBy(() -> c.info("zzz")).isInstanceOf(SafetensorsException.class)
                    .hasMessageContaining("model.safetensors").hasMessageContaining("missing tensor 'zzz'");
        }
    }
}
