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

    public static Optional<Path> find(String name) {
        String prop = System.getProperty("specdec.vocab");
        if (prop == null || prop.isBlank()) prop = System.getenv("SPECDEC_VOCAB");
        if (prop != null && !prop.isBlank()) return existing(Path.of(prop).resolve(name));
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Optional<Path> d = existing(p.resolve(".cache/vocab").resolve(name));
            if (d.isPresent()) return d;
        }
        return Optional.empty();
    }

    private static Optional<Path> existing(Path p) {
        return Files.exists(p.resolve("tokenizer.json")) ? Optional.of(p) : Optional.empty();
    }
}
