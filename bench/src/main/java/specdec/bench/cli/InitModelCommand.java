package specdec.bench.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import specdec.engine.tensor.DType;
import specdec.models.ModelConfig;
import specdec.models.ModelInit;
import specdec.models.Presets;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "init-model", mixinStandardHelpOptions = true,
        description = "Write a random-weight model (config.json + model.safetensors) in exact Hugging Face layout.%n"
                + "Presets: gpt2: tiny, gpt2, gpt2-medium, gpt2-large, gpt2-xl; llama: tiny, tinyllama.")
final class InitModelCommand extends CliCommand implements Callable<Integer> {
    @Option(names = "--arch", required = true, description = "gpt2 or llama")
    String arch;

    @Option(names = "--preset", defaultValue = "tiny", description = "Shape preset (default: ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = "--seed", defaultValue = "0", description = "Random seed; the same seed writes the same bytes (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--dtype", defaultValue = "f32", description = "f32, bf16 or f16 (default: ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--perturb-norms", description = "Also randomise norm weights and biases (for parity tests).")
    boolean perturb;

    @Option(names = "--out", required = true, description = "Output directory.")
    Path out;

    @Override
    public Integer call() {
        ModelConfig config = Presets.get(arch, preset);
        DType d = DType.parseWeightType(dtype);
        long t0 = System.nanoTime();
        ModelInit.write(config, d, seed, perturb, out);
        out().printf("wrote %s %s (%s, seed %d) to %s in %.1f s%n", arch, preset, d, seed, out,
                (System.nanoTime() - t0) / 1e9);
        return 0;
    }
}
