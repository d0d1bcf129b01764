package specdec.tests;

import specdec.engine.tensor.DType;
import specdec.models.ModelConfig;
import specdec.models.ModelInit;
import specdec.models.Presets;
import specdec.models.gpt2.Gpt2Config;
import specdec.models.llama.LlamaConfig;
import specdec.models.llama.RopeScaling;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;

/** Small random models written once per JVM, with norms and biases randomised too. */
public final class TestModels {
    private static final Map<String, Path> CACHE = new ConcurrentHashMap<>();
    private static Path root;

    private TestModels() {}

    public static final Map<String, ModelConfig> CONFIGS = Map.of(
            "gpt2-tiny", Presets.get("gpt2", "tiny"),
            "gpt2-erf", new Gpt2Config(300, 64, 48, 2, 3, 80, "gelu", 1e-5, true, false, true, new int[] {0}),
            "llama-tiny", Presets.get("llama", "tiny"),
            "llama-rope3", new LlamaConfig(320, 64, 96, 2, 8, 2, 8, 256, 1e-5, 500000.0,
                    RopeScaling.llama3(8.0, 1.0, 4.0, 32), false, false, false, 1, new int[] {2}),
            "llama-bias-tied", new LlamaConfig(200, 48, 64, 2, 4, 4, 12, 96, 1e-6, 10000.0,
                    new RopeScaling("linear", 2.0, 0, 0, 0), true, true, true, 1, new int[] {2}));

    public static Path get(String name, DType dtype) {
        return get(name, dtype, 42);
    }

    public static synchronized Path get(String name, DType dtype, long seed) {
        return CACHE.computeIfAbsent(name + "-" + dtype + "-" + seed, key -> {
            try {
                if (root == null) {
                    root = Files.createTempDirectory("specdec-test-models");
                    root.toFile().deleteOnExit();
                }
                Path dir = root.resolve(key);
                ModelInit.write(CONFIGS.get(name), dtype, seed, true, dir);
                return dir;
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    public static int[] randomIds(Random rng, int n, int vocab) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = rng.nextInt(vocab);
        return ids;
    }
}
