package specdec.models.tokenizer;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * llama.cpp's tokenizer test vectors (strings and the ids HF tokenizers gave for them, no
 * special tokens): every string must encode to exactly those ids and decode back.
 */
class TokenizerGoldenTest {

    @TempDir
    static Path converted;

    /** Llama 2's SentencePiece vocabulary exists here only as GGUF: converted the way HF converts SPM. */
    @BeforeAll
    static void convertLlama2() {
        SpmConverter.convert(Vocabs.dir("golden").resolve("ggml-vocab-llama-spm.gguf"), converted);
    }

    private static Path vocabDir(String vocab) {
        return vocab.equals("llama2") ? converted : Vocabs.dir(vocab);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"gpt2, gpt-2", "llama3, llama-bpe", "llama2, llama-spm"})
    void everyGoldenStringEncodesToTheExpectedIds(String vocab, String golden) throws IOException {
        Path g = Vocabs.dir("golden");
        String inp = Files.readString(g.resolve("ggml-vocab-" + golden + ".gguf.inp"), StandardCharsets.UTF_8);
        List<String> texts = Arrays.asList(inp.split("\n__ggml_vocab_test__\n", -1));
        texts = texts.subList(0, texts.size() - 1); // the file ends with a separator
        List<String> out = Files.readAllLines(g.resolve("ggml-vocab-" + golden + ".gguf.out"), StandardCharsets.UTF_8);
        assertThat(texts).hasSize(out.size()).hasSizeGreaterThan(30);
        try (TextTokenizer t = Tokenizers.load(vocabDir(vocab))) {
            for (int i = 0; i < texts.size(); i++) {
                String line = out.get(i).strip();
                int[] want = line.isEmpty() ? new int[0] : Arrays.stream(line.split(" ")).mapToInt(Integer::parseInt).toArray();
                int[] got = t.encode(texts.get(i), false);
                assertThat(got).as("case %d: %s", i, texts.get(i)).containsExactly(want);
                assertThat(t.decode(got, false)).as("case %d decodes back", i).isEqualTo(texts.get(i));
            }
        }
    }

    @Test
    void convertedLlama2VocabularyBehavesLikeLlama2s() {
        try (TextTokenizer t = Tokenizers.load(converted)) {
            assertThat(t.vocabSize()).isEqualTo(32000);
            assertThat(t.encode("The", false)).containsExactly(450); // "▁The" is 450 in Llama 2 (415 in Mistral's)
            int[] withBos = t.encode("Hello world", true);
            assertThat(withBos[0]).isEqualTo(1);
            assertThat(t.decode(withBos, true)).isEqualTo("Hello world");
        }
    }
}
