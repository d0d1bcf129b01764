package specdec.bench.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import specdec.engine.SpecdecException;
import specdec.models.tokenizer.TextTokenizer;
import specdec.models.tokenizer.Tokenizers;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "detokenize", mixinStandardHelpOptions = true, description = "Print the text of token ids with the model's tokenizer.")
final class DetokenizeCommand extends CliCommand implements Callable<Integer> {
    @Mixin
    ModelOption modelOption;

    @Option(names = "--ids", required = true, description = "Comma-separated token ids.")
    String ids;

    @Option(names = "--skip-special", description = "Leave special tokens (BOS, EOS) out of the text.")
    boolean skipSpecial;

    @Override
    public Integer call() {
        Path model = modelOption.resolve();
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
