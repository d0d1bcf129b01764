package specdec.models.tokenizer;

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

    @ParameterizedTest(name = "{0}")
    @CsvSource({"gpt2, gpt-2", "llama3, llama-bpe"})
    void everyGoldenStringEncodesToTheExpectedIds(String vocab, String golden) throws IOException {
        Path g = Vocabs.dir("golden");
        String inp = Files.readString(g.resolve("ggml-vocab-" + golden + ".gguf.inp"), StandardCharsets.UTF_8);
        List<String> texts = Arrays.asList(inp.split("\n__ggml_vocab_test__\n", -1));
        texts = texts.subList(0, texts.size() - 1); // the file ends with a separator
        List<String> out = Files.readAllLines(g.resolve("ggml-vocab-" + golden + ".gguf.out"), StandardCharsets.UTF_8);
        assertThat(texts).hasSize(out.size()).hasSizeGreaterThan(30);
        try (TextTokenizer t = Tokenizers.load(Vocabs.dir(vocab))) {
            for (int i = 0; i < texts.size(); i++) {
                String line = out.get(i).strip();
                int[] want = line.isEmpty() ? new int[0] : Arrays.stream(line.split(" ")).mapToInt(Integer::parseInt).toArray();
                int[] got = t.encode(texts.get(i), false);
                assertThat(got).as("case %d: %s", i, texts.get(i)).containsExactly(want);
                assertThat(t.decode(got, false)).as("case %d decodes back", i).isEqualTo(texts.get(i));
            }
        }
    }
}
