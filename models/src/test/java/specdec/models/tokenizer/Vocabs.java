package specdec.models.tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where scripts/fetch-vocabs.sh put the real vocabularies and llama.cpp's golden vectors. */
final class Vocabs {
    private Vocabs() {}

    static Path dir(String name) {
        Path root = Path.of("").toAbsolutePath();
        while (root != null && !Files.isDirectory(root.resolve("scripts"))) root = root.getParent();
        if (root == null) throw new IllegalStateException("cannot find the repository root from " + Path.of("").toAbsolutePath());
        Path d = root.resolve(".cache/vocab").resolve(name);
        if (!Files.isDirectory(d)) {
            throw new IllegalStateException(d + " is missing: run scripts/fetch-vocabs.sh (./run-tests does it)");
        }
        return d;
    }
}
