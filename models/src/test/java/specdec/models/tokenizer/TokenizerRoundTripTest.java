package specdec.models.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TokenizerRoundTripTest {
    static final String[] TEXTS = {
            "Hello world", "  leading and   inner   spaces\t\ttabs\n\nnewlines  ", "Ünïcödé façade — naïve café",
            "日本語のテキストと中文混合", "emoji 🦙🚀👩‍👩‍👧 and flags 🇫🇷", "digits 1234567890 3.14159 1e-9 0x1F",
            "def f(x):\n    return {'a': [x, x ** 2]}  # code", "", " ", "\u00a0non-breaking\u2009thin"};

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama3"})
    void textRoundTripsThroughEncodeAndDecode(String vocab) {
        try (TextTokenizer t = Tokenizers.load(Vocabs.dir(vocab))) {
            for (String s : TEXTS) {
                int[] ids = t.encode(s, false);
                for (int id : ids) assertThat(id).isBetween(0, t.vocabSize() - 1);
                assertThat(t.decode(ids, false)).as("'%s'", s).isEqualTo(s);
            }
        }
    }

    @Test
    void gpt2VocabAndMergesGiveTheSameIdsAsTokenizerJson(@TempDir Path dir) throws IOException {
        JsonNode tok = new ObjectMapper().readTree(Vocabs.dir("gpt2").resolve("tokenizer.json").toFile());
        new ObjectMapper().writeValue(dir.resolve("vocab.json").toFile(), tok.path("model").path("vocab"));
        List<String> merges = new ArrayList<>();
        merges.add("#version: 0.2");
        for (JsonNode m : tok.path("model").path("merges")) merges.add(m.isTextual() ? m.asText() : m.get(0).asText() + " " + m.get(1).asText());
        Files.write(dir.resolve("merges.txt"), merges);
        try (TextTokenizer fromJson = Tokenizers.load(Vocabs.dir("gpt2")); TextTokenizer fromPair = Tokenizers.load(dir)) {
            assertThat(fromPair.vocabSize()).isEqualTo(50257);
            for (String s : TEXTS) assertThat(fromPair.encode(s, true)).as("'%s'", s).containsExactly(fromJson.encode(s, true));
            assertThat(fromPair.encode("<|endoftext|>", false)).containsExactly(50256);
        }
    }

    @Test
    void addBosTokenInTokenizerConfigPrependsBos(@TempDir Path dir) throws IOException {
        Files.copy(Vocabs.dir("llama3").resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        try (TextTokenizer plain = Tokenizers.load(dir)) {
            assertThat(plain.encode("Hi", true)[0]).isNotEqualTo(128000);
        }
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"add_bos_token\": true, \"bos_token\": \"<|begin_of_text|>\"}");
        try (TextTokenizer bos = Tokenizers.load(dir)) {
            int[] ids = bos.encode("Hi", true);
            assertThat(ids[0]).isEqualTo(128000);
            assertThat(bos.encode("Hi", false)).containsExactly(java.util.Arrays.copyOfRange(ids, 1, ids.length));
        }
    }

    @Test
    void missingOrBrokenTokenizerIsAClearError(@TempDir Path dir) throws IOException {
        assertThatThrownBy(() -> Tokenizers.load(dir)).hasMessageContaining("no tokenizer.json");
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": 3}");
        assertThatThrownBy(() -> Tokenizers.load(dir)).hasMessageContaining("tokenizer.json");
    }
}
