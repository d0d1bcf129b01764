package specdec.bench.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import specdec.models.tokenizer.TextTokenizer;
import specdec.models.tokenizer.Tokenizers;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Print the token ids of a text with the model's tokenizer (tokenizer.json, or vocab.json + merges.txt).")
final class TokenizeCommand extends CliCommand implements Callable<Integer> {
    @Mixin
    ModelOption modelOption;

    @Option(names = "--text", required = true, description = "Text to encode.")
    String text;

    @Option(names = "--no-special", description = "Do not add the tokenizer's special tokens (e.g. BOS).")
    boolean noSpecial;

    @Override
    public Integer call() {
        Path model = modelOption.resolve();
        try (TextTokenizer t = Tokenizers.load(model)) {
            out().println(Arrays.stream(t.encode(text, !noSpecial)).mapToObj(Integer::toString).collect(Collectors.joining(",")));
        }
        return 0;
    }
}
