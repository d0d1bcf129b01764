package specdec.models;

import specdec.engine.SpecdecException;
import specdec.engine.backend.Backend;
import specdec.engine.safetensors.Checkpoint;
import specdec.engine.tensor.DType;
import specdec.models.gpt2.Gpt2Config;
import specdec.models.gpt2.Gpt2Model;
import specdec.models.llama.LlamaConfig;
import specdec.models.llama.LlamaModel;

import java.nio.file.Files;

import java.nio.file.Path;

/** Reads a model directory (config.json + safetensors) into the architecture config.json names. */
public final class ModelLoader {
    private ModelLoader() {}

    public static ModelConfig readConfig(Path dir) {
        if (!Files.isDirectory(dir)) throw new SpecdecException(dir + ": not a model directory");
        Path file = dir.resolve("config.json");
        ConfigFields f = ConfigFields.read(file);
        String type = f.string(null, "model_type");
        if (type == null) throw f.error("model_type", "is missing (expected \"gpt2\" or \"llama\")");
        return switch (type) {
            case "gpt2" -> Gpt2Config.parse(f);
            case "llama" -> LlamaConfig.parse(f);
            default -> throw f.error("model_type", "is \"" + type + "\"; supported: gpt2, llama");
        };
    }

    /** EOS ids: generation_config.json's eos_token_id when present, else config.json's. */
    public static int[] eosTokenIds(Path dir, ModelConfig config) {
        Path gen = dir.resolve("generation_config.json");
        if (Files.exists(gen)) {
            ConfigFields f = ConfigFields.read(gen);
            if (f.has("eos_token_id")) return f.intList("eos_token_id");
        }
        return config.eosTokenIds();
    }

    public static TransformerModel load(Path dir, Backend backend) {
        return load(dir, backend, null);
    }

    /** As {@link #load(Path, Backend)}, converting the matrices to {@code quantization} (Q8_0, Q4_0, F32, F16, BF16; null: as stored). */
    public static TransformerModel load(Path dir, Backend backend, DType quantization) {
        ModelConfig config = readConfig(dir);
        Checkpoint checkpoint = Checkpoint.open(dir);
        String configFile = dir.resolve("config.json").toString();
        try {
            return switch (config) {
                case Gpt2Config c -> new Gpt2Model(backend, c, checkpoint, configFile, quantization);
                case LlamaConfig c -> new LlamaModel(backend, c, checkpoint, configFile, quantization);
                default -> throw new IllegalStateException(config.getClass().getName());
            };
        } catch (RuntimeException e) {
            checkpoint.close();
            throw e;
        }
    }
}
