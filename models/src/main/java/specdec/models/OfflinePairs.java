package specdec.models;

import specdec.engine.SpecdecException;
import specdec.engine.tensor.DType;
import specdec.models.tokenizer.VocabCache;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Builds the offline pairs of the {@link PairRegistry} on first use, in the local cache, so that
 * speculative decoding runs with no download: the target and its draft are the same random
 * weights in two dtypes (same vocabulary, close but not identical distributions).
 */
public final class OfflinePairs {
    private OfflinePairs() {}

    /** {@code $SPECDEC_CACHE}, else {@code ~/.cache/specdec}. */
    public static Path cacheRoot() {
        String env = System.getenv("SPECDEC_CACHE");
        if (env != null && !env.isBlank()) return Path.of(env);
        return Path.of(System.getProperty("user.home"), ".cache", "specdec");
    }

    public static Path targetDir(String name, Path cache) {
        return cache.resolve("pairs").resolve(name).resolve("target");
    }

    public static Path draftDir(String name, Path cache) {
        return cache.resolve("pairs").resolve(name).resolve("draft");
    }

    /** Writes the pair's models unless they are already there; returns {target, draft}. */
    public static Path[] ensure(String name, PairRegistry.Offline p, Path cache) {
        Path target = targetDir(name, cache), draft = draftDir(name, cache);
        ModelConfig config = Presets.get(p.arch(), p.preset());
        Path tokenizer = null;
        if (p.tokenizer() != null) {
            tokenizer = VocabCache.find(p.tokenizer()).orElseThrow(() -> new SpecdecException("pair '" + name
                    + "' ships the " + p.tokenizer() + " tokenizer, which is not fetched yet: run scripts/fetch-vocabs.sh"));
        }
        Path tok = tokenizer;
        writeOnce(target, dir -> write(config, DType.parseWeightType(p.targetDtype()), p.seed(), tok, dir));
        // a self-speculation draft is the target's own checkpoint, quantised at load
        if (PairRegistry.selfQuantization(p.draftDtype()) != null) return new Path[] {target, target};
        writeOnce(draft, dir -> write(config, DType.parseWeightType(p.draftDtype()), p.seed(), tok, dir));
        return new Path[] {target, draft};
    }

    private static void write(ModelConfig config, DType dtype, long seed, Path tokenizer, Path dir) {
        ModelInit.write(config, dtype, seed, false, dir);
        if (tokenizer == null) return;
        try {
            for (String f : new String[] {"tokenizer.json", "tokenizer_config.json"}) {
                if (Files.exists(tokenizer.resolve(f))) Files.copy(tokenizer.resolve(f), dir.resolve(f));
            }
        } catch (IOException e) {
            throw new SpecdecException(dir + ": cannot copy the tokenizer: " + e.getMessage(), e);
        }
    }

    private interface Writer {
        void write(Path dir);
    }
    /** Builds in a sibling temporary directory and renames it, so a half-written model is never used. */
    private static void writeOnce(Path dir, Writer writer) {
        if (Files.isDirectory(dir)) return;
        Path tmp = null;
        try {
            Files.createDirectories(dir.getParent());
            tmp = Files.createTempDirectory(dir.getParent(), "." + dir.getFileName() + ".");
            writer.write(tmp);
            try {
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, dir);
            }
            tmp = null;
        } catch (FileAlreadyExistsException e) {
            // another process finished first; its copy is as good as ours
        } catch (IOException e) {
            throw new SpecdecException(dir + ": cannot create the pair's model: " + e.getMessage(), e);
        } finally {
            if (tmp != null) deleteTree(tmp);
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort: a leftover hidden temporary directory is harmless
        }
    }
}
