package specdec.bench.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import specdec.engine.SpecdecException;
import specdec.models.hub.ModelRef;
import specdec.models.tokenizer.TextTokenizer;
import specdec.models.tokenizer.Tokenizers;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "detokenize", mixinStandardHelpOptions = true, description = "Print the text of token ids with the model's tokenizer.")
final class DetokenizeCommand extends CliCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Model: a directory or a Hugging Face id (from the local HF cache).")
    String modelArg;

    @Option(names = "--ids", required = true, description = "Comma-separated token ids.")
    String ids;

    @Option(names = "--skip-special", description = "Leave special tokens (BOS, EOS) out of the text.")
    boolean skipSpecial;

    @Override
    public Integer call() {
        Path model = ModelRef.resolve(modelArg);
        int[] tokens = TokenIds.parse(ids, "--ids");
        try (TextTokenizer t = Tokenizers.load(model)) {
            for (int id : tokens) {
                if (id >= t.vocabSize()) throw new SpecdecException("--ids: token id " + id + " is outside the tokenizer's vocabulary [0, " + t.vocabSize() + ")");
            }
            out().println(t.decode(tokens, skipSpecial));
        }
        return 0;
    }
}
