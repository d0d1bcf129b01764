package specdec.models.tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The real vocabularies scripts/fetch-vocabs.sh caches: {@code -Dspecdec.vocab}, then
 * {@code $SPECDEC_VOCAB}, then {@code .cache/vocab} in the working directory or a parent.
 */
public final class VocabCache {
    private VocabCache() {}

    /** The folder holding {@code name/tokenizer.json} (e.g. "gpt2", "llama3"). */
    public static Optional<Path> find(String name) {
        return file(name + "/tokenizer.json").map(Path::getParent);
    }

    /** A file under the cache, e.g. "golden/ggml-vocab-llama-spm.gguf". */
    public static Optional<Path> file(String relative) {
        String prop = System.getProperty("specdec.vocab");
        if (prop == null || prop.isBlank()) prop = System.getenv("SPECDEC_VOCAB");
        if (prop != null && !prop.isBlank()) return existing(Path.of(prop).resolve(relative));
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Optional<Path> f = existing(p.resolve(".cache/vocab").resolve(relative));
            if (f.isPresent()) return f;
        }
        return Optional.empty();
    }

    private static Optional<Path> existing(Path p) {
        return Files.exists(p) ? Optional.of(p) : Optional.empty();
    }
}
