package specdec.tests;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import specdec.engine.decode.GenerationResult;
import specdec.engine.tensor.DType;
import specdec.models.ModelInit;
import specdec.models.gpt2.Gpt2Config;
import specdec.models.tokenizer.VocabCache;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static specdec.tests.CliTest.assertUserError;
import static specdec.tests.CliTest.run;

/** Text in, text out: a small GPT-2-vocabulary model with GPT-2's real tokenizer. */
class TextGenerationTest {
    @TempDir
    Path dir;

    private Path modelWithGpt2Tokenizer(String name, long seed, DType dtype) throws IOException {
        Path m = dir.resolve(name);
        ModelInit.write(Gpt2Config.of(50257, 64, 32, 1, 2), dtype, seed, true, m);
        Path vocab = VocabCache.find("gpt2").orElseThrow(() -> new IllegalStateException("run scripts/fetch-vocabs.sh"));
        Files.copy(vocab.resolve("tokenizer.json"), m.resolve("tokenizer.json"));
        Files.copy(vocab.resolve("tokenizer_config.json"), m.resolve("tokenizer_config.json"));
        return m;
    }

    @Test
    void tokenizeAndDetokenizeUseTheModelsTokenizer() throws IOException {
        Path m = modelWithGpt2Tokenizer("m", 1, DType.F32);
        CliTest.Result t = run("tokenize", "--model", m.toString(), "--text", "Hello world");
        assertThat(t.code()).as(t.err()).isZero();
        assertThat(t.out().strip()).isEqualTo("15496,995");
        CliTest.Result d = run("detokenize", "--model", m.toString(), "--ids", "15496,995,50256");
        assertThat(d.out().strip()).isEqualTo("Hello world<|endoftext|>");
        assertThat(run("detokenize", "--model", m.toString(), "--ids", "15496,995,50256", "--skip-special").out().strip()).isEqualTo("Hello world");
        assertUserError(run("detokenize", "--model", m.toString(), "--ids", "60000"), "60000", "50257");
        assertUserError(run("tokenize", "--model", dir.toString(), "--text", "x"), "no tokenizer.json");
    }

    @Test
    void generateTakesAPromptAndPrintsText() throws IOException {
        Path target = modelWithGpt2Tokenizer("t", 1, DType.F32), draft = modelWithGpt2Tokenizer("d", 1, DType.BF16);
        CliTest.Result r = run("generate", "--model", target.toString(), "--draft", draft.toString(),
                "--prompt", "The quick brown fox", "--max-new-tokens", "12", "--ignore-eos", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        GenerationResult g = GenerationResult.fromJsonLine(r.out().strip());
        assertThat(g.promptTokens()).isEqualTo(4);
        assertThat(g.generatedIds()).hasSize(12);
        CliTest.Result back = run("detokenize", "--model", target.toString(), "--skip-special", "--ids",
                String.join(",", java.util.Arrays.stream(g.generatedIds()).mapToObj(Integer::toString).toList()));
        assertThat(g.text()).isEqualTo(back.out().replaceAll("\n$", ""));
        CliTest.Result plain = run("generate", "--model", target.toString(), "--prompt", "The quick brown fox", "--max-new-tokens", "12", "--ignore-eos");
        assertThat(plain.out().lines().findFirst().orElseThrow()).isEqualTo(g.text());
    }

    @Test
    void aDraftWithAnotherTokenizerFileIsRefused() throws IOException {
        Path target = modelWithGpt2Tokenizer("t", 1, DType.F32), draft = modelWithGpt2Tokenizer("d", 2, DType.F32);
        Files.writeString(draft.resolve("tokenizer.json"), Files.readString(draft.resolve("tokenizer.json")).replace("\"Hello\"", "\"Hallo\""));
        assertUserError(run("generate", "--model", target.toString(), "--draft", draft.toString(), "--ids", "1"),
                "tokenizers differ", "tokenizer.json");
    }
}
