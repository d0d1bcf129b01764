package specdec.bench.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import specdec.engine.SpecdecException;
import specdec.engine.backend.Backend;
import specdec.engine.io.Npy;
import specdec.engine.kv.KvCache;
import specdec.engine.model.Logits;
import specdec.models.ModelLoader;
import specdec.models.TransformerModel;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "forward", mixinStandardHelpOptions = true,
        description = "Run one forward pass over token ids and save the logits of every position as a float32 .npy [T, vocab].")
final class ForwardCommand extends CliCommand implements Callable<Integer> {
    @Mixin
    ModelOption modelOption;

    @Option(names = "--ids", required = true, description = "Comma-separated token ids, e.g. 1,2,3.")
    String ids;

    @Option(names = "--out", required = true, description = "Output .npy file.")
    Path out;

    @Mixin
    BackendOption backendOption;

    @Mixin
    QuantizeOption quantize;

    @Override
    public Integer call() {
        Path model = modelOption.resolve();
        int[] tokens = TokenIds.parse(ids, "--ids");
        try (Backend backend = backendOption.create();
             TransformerModel m = ModelLoader.load(model, backend, quantize.format())) {
            if (tokens.length > m.contextLength()) {
                throw new SpecdecException("--ids has " + tokens.length + " tokens but the model's context ("
                        + model.resolve("config.json") + ") is " + m.contextLength());
            }
            try (KvCache cache = m.newCache(tokens.length)) {
                Logits logits = m.forward(tokens, cache);
                Npy.writeFloat32(out, logits.data(), 0, logits.rows(), logits.vocab());
                out().printf("wrote logits [%d, %d] to %s%n", logits.rows(), logits.vocab(), out);
            }
        }
        return 0;
    }
}
