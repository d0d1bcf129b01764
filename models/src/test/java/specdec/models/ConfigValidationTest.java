package specdec.models;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import specdec.engine.SpecdecException;
import specdec.engine.backend.cpu.CpuBackend;
import specdec.engine.safetensors.SafetensorsWriter;
import specdec.engine.tensor.DType;
import specdec.models.gpt2.Gpt2Config;
import specdec.models.llama.LlamaConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigValidationTest {
    @TempDir
    Path dir;

    private void config(String json) throws IOException {
        Files.writeString(dir.resolve("config.json"), json);
    }

    @Test
    void missingConfigAndBadJsonNameTheFile() throws IOException {
        assertThatThrownBy(() -> ModelLoader.readConfig(dir)).isInstanceOf(SpecdecException.class)
                .hasMessageContaining("config.json").hasMessageContaining("not found");
        config("{\"model_type\": ");
        assertThatThrownBy(() -> ModelLoader.readConfig(dir)).hasMessageContaining("config.json").hasMessageContaining("not valid JSON");
    }

    @Test
    void modelTypeIsRequiredAndChecked() throws IOException {
        config("{\"n_embd\": 8}");
        assertThatThrownBy(() -> ModelLoader.readConfig(dir)).hasMessageContaining("'model_type' is missing");
        config("{\"model_type\": \"bert\"}");
        assertThatThrownBy(() -> ModelLoader.readConfig(dir)).hasMessageContaining("'model_type'").hasMessageContaining("bert");
    }

    @Test
    void wrongTypesAndInconsistentShapesNameTheField() throws IOException {
        config("{\"model_type\": \"gpt2\", \"n_embd\": \"big\"}");
        assertThatThrownBy(() -> ModelLoader.readConfig(dir)).hasMessageContaining("field 'n_embd' must be an integer");
        config("{\"model_type\": \"gpt2\", \"n_embd\": 10, \"n_head\": 3}");
        assertThatThrownBy(() -> ModelLoader.readConfig(dir)).hasMessageContaining("field 'n_head'").hasMessageContaining("must divide n_embd");
        config("{\"model_type\": \"gpt2\", \"activation_function\": \"mish\"}");
        assertThatThrownBy(() -> ModelLoader.readConfig(dir)).hasMessageContaining("'activation_function'").hasMessageContaining("mish");
        config("{\"model_type\": \"llama\", \"num_attention_heads\": 6, \"num_key_value_heads\": 4, \"hidden_size\": 24}");
        assertThatThrownBy(() -> ModelLoader.readConfig(dir)).hasMessageContaining("'num_key_value_heads'");
        config("{\"model_type\": \"llama\", \"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 4}}");
        assertThatThrownBy(() -> ModelLoader.readConfig(dir)).hasMessageContaining("'rope_scaling.rope_type'").hasMessageContaining("yarn");
        config("{\"model_type\": \"llama\", \"rms_norm_eps\": -1}");
        assertThatThrownBy(() -> ModelLoader.readConfig(dir)).hasMessageContaining("'rms_norm_eps' must be positive");
    }

    @Test
    void hfDefaultsFillAbsentFields() throws IOException {
        config("{\"model_type\": \"gpt2\"}");
        Gpt2Config g = (Gpt2Config) ModelLoader.readConfig(dir);
        assertThat(g.nEmbd()).isEqualTo(768);
        assertThat(g.nInner()).isEqualTo(3072);
        assertThat(g.tieWordEmbeddings()).isTrue();
        config("{\"model_type\": \"llama\", \"hidden_size\": 64, \"num_attention_heads\": 4, \"eos_token_id\": [7, 9]}");
        LlamaConfig l = (LlamaConfig) ModelLoader.readConfig(dir);
        assertThat(l.numKeyValueHeads()).isEqualTo(4);
        assertThat(l.headDim()).isEqualTo(16);
        assertThat(l.eosTokenIds()).containsExactly(7, 9);
    }

    @Test
    void tensorShapeOrDtypeThatDisagreesWithConfigIsRefused() throws IOException {
        ModelConfig tiny = Presets.get("gpt2", "tiny");
        ModelInit.write(tiny, DType.F32, 1, false, dir);
        // replace the weights with a file whose wpe is one row short
        SafetensorsWriter w = new SafetensorsWriter();
        for (TensorSpec s : tiny.tensors()) {
            long[] shape = s.name().equals("wpe.weight") ? new long[] {127, 64} : s.shape();
            w.add(s.name(), DType.F32, shape, seg -> { });
        }
        w.write(dir.resolve("model.safetensors"));
        try (CpuBackend b = new CpuBackend(1)) {
            assertThatThrownBy(() -> ModelLoader.load(dir, b)).isInstanceOf(SpecdecException.class)
                    .hasMessageContaining("model.safetensors").hasMessageContaining("'wpe.weight'")
                    .hasMessageContaining("[127, 64]").hasMessageContaining("[128, 64]");
        }
        SafetensorsWriter v = new SafetensorsWriter();
        for (TensorSpec s : tiny.tensors()) {
            if (!s.name().equals("ln_f.bias")) v.add(s.name(), DType.F32, s.shape(), seg -> { });
        }
        v.write(dir.resolve("model.safetensors"));
        try (CpuBackend b = new CpuBackend(1)) {
            assertThatThrownBy(() -> ModelLoader.load(dir, b)).hasMessageContaining("missing tensor 'ln_f.bias'");
        }
        SafetensorsWriter u = new SafetensorsWriter();
        for (TensorSpec s : tiny.tensors()) {
            u.add(s.name(), s.name().equals("wte.weight") ? DType.I32 : DType.F32, s.shape(), seg -> { });
        }
        u.write(dir.resolve("model.safetensors"));
        try (CpuBackend b = new CpuBackend(1)) {
            assertThatThrownBy(() -> ModelLoader.load(dir, b)).hasMessageContaining("'wte.weight' has dtype I32");
        }
    }
}
