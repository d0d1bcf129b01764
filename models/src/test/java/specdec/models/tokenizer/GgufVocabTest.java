package specdec.models.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import specdec.engine.SpecdecException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GgufVocabTest {
    @Test
    void readsLlama2sVocabularyHeader() {
        GgufVocab v = GgufVocab.read(Vocabs.dir("golden").resolve("ggml-vocab-llama-spm.gguf"));
        assertThat(v.model()).isEqualTo("llama");
        assertThat(v.tokens()).hasSize(32000);
        assertThat(v.tokens()[450]).isEqualTo("\u2581The");
        assertThat(v.types()[3]).isEqualTo(GgufVocab.BYTE);
        assertThat(v.bosId()).isEqualTo(1);
        assertThat(v.eosId()).isEqualTo(2);
        assertThat(v.addBos()).isTrue();
    }

    @Test
    void truncatedOrForeignFilesAreClearErrors(@TempDir Path dir) throws IOException {
        byte[] whole = Files.readAllBytes(Vocabs.dir("golden").resolve("ggml-vocab-llama-spm.gguf"));
        Path cut = dir.resolve("cut.gguf");
        Files.write(cut, Arrays.copyOf(whole, 5000));
        assertThatThrownBy(() -> GgufVocab.read(cut)).isInstanceOf(SpecdecException.class).hasMessageContaining("cut.gguf");
        Path other = dir.resolve("other.gguf");
        Files.writeString(other, "not a gguf file at all, just text");
        assertThatThrownBy(() -> GgufVocab.read(other)).hasMessageContaining("bad magic");
    }

    @Test
    void mergesAreOrderedByTheMergedPieceScore() {
        String[] tokens = {"a", "b", "c", "ab", "bc", "abc"};
        float[] scores = {0, 0, 0, -1, -2, -0.5f};
        // abc (score -0.5) splits as a+bc and ab+c, ties broken by the longer left piece first;
        // then ab (-1) as a+b and bc (-2) as b+c
        List<String> merges = SpmConverter.merges(tokens, scores);
        assertThat(merges).containsExactly("ab c", "a bc", "a b", "b c");
    }
}
