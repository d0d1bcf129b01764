package specdec.models;

import specdec.engine.SpecdecException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** A draft must speak the target's vocabulary: same size, and the same tokenizer files where both have them. */
public final class VocabularyCheck {
    private static final String[] TOKENIZER_FILES = {"tokenizer.json", "vocab.json", "merges.txt", "tokenizer.model"};

    private VocabularyCheck() {}

    public static void requireShared(Path targetDir, ModelConfig target, Path draftDir, ModelConfig draft) {
        if (target.vocabSize() != draft.vocabSize()) {
            throw new SpecdecException("draft and target vocabularies differ: " + draftDir.resolve("config.json")
                    + " has vocab_size " + draft.vocabSize() + ", " + targetDir.resolve("config.json") + " has " + target.vocabSize());
        }
        for (String name : TOKENIZER_FILES) {
            Path a = targetDir.resolve(name), b = draftDir.resolve(name);
            if (Files.exists(a) && Files.exists(b)) {
                try {
                    if (!Arrays.equals(Files.readAllBytes(a), Files.readAllBytes(b))) {
                        throw new SpecdecException("draft and target tokenizers differ: " + b + " is not the same file as " + a);
                    }
                } catch (IOException e) {
                    throw new SpecdecException("cannot compare tokenizers " + a + " and " + b + ": " + e.getMessage(), e);
                }
            }
        }
    }
}
