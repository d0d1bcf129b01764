package specdec.models;

import specdec.engine.SpecdecException;
import specdec.models.gpt2.Gpt2Config;
import specdec.models.llama.LlamaConfig;

import java.util.LinkedHashMap;
import java.util.Map;

/** Model shapes for {@code init-model}: tiny ones for tests, real ones for benchmarks. */
public final class Presets {
    private Presets() {}

    private static final Map<String, ModelConfig> GPT2 = new LinkedHashMap<>();
    private static final Map<String, ModelConfig> LLAMA = new LinkedHashMap<>();

    static {
        GPT2.put("tiny", Gpt2Config.of(512, 128, 64, 2, 4));
        GPT2.put("text-dev", Gpt2Config.of(50257, 256, 64, 2, 4));
        GPT2.put("gpt2", Gpt2Config.of(50257, 1024, 768, 12, 12));
        GPT2.put("gpt2-medium", Gpt2Config.of(50257, 1024, 1024, 24, 16));
        GPT2.put("gpt2-large", Gpt2Config.of(50257, 1024, 1280, 36, 20));
        GPT2.put("gpt2-xl", Gpt2Config.of(50257, 1024, 1600, 48, 25));
        LLAMA.put("tiny", new LlamaConfig(512, 64, 176, 2, 4, 2, 16, 256, 1e-6, 10000.0, null,
                false, false, false, 1, new int[] {2}));
        LLAMA.put("tinyllama", new LlamaConfig(32000, 2048, 5632, 22, 32, 4, 64, 2048, 1e-5, 10000.0, null,
                false, false, false, 1, new int[] {2}));
    }

    public static Map<String, ModelConfig> forArch(String arch) {
        return switch (arch) {
            case "gpt2" -> GPT2;
            case "llama" -> LLAMA;
            default -> throw new SpecdecException("unknown architecture '" + arch + "' (use gpt2 or llama)");
        };
    }

    public static ModelConfig get(String arch, String name) {
        ModelConfig c = forArch(arch).get(name);
        if (c == null) {
            throw new SpecdecException("no preset '" + name + "' for " + arch + " (presets: " + String.join(", ", forArch(arch).keySet()) + ")");
        }
        return c;
    }
}
