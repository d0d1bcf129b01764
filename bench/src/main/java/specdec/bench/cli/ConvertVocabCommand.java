package specdec.bench.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import specdec.models.tokenizer.SpmConverter;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "convert-vocab", mixinStandardHelpOptions = true,
        description = "Convert a SentencePiece vocabulary in a GGUF file (e.g. llama.cpp's ggml-vocab-llama-spm.gguf) "
                + "into a Hugging Face tokenizer.json + tokenizer_config.json.")
final class ConvertVocabCommand extends CliCommand implements Callable<Integer> {
    @Option(names = "--gguf", required = true, description = "GGUF file with tokenizer.ggml.* metadata.")
    Path gguf;

    @Option(names = "--out", required = true, description = "Directory to write tokenizer.json and tokenizer_config.json into.")
    Path out;

    @Override
    public Integer call() {
        SpmConverter.convert(gguf, out);
        out().println("wrote " + out.resolve("tokenizer.json") + " and tokenizer_config.json");
        return 0;
    }
}
