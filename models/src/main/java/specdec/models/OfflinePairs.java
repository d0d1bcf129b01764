package specdec.models;

import specdec.engine.SpecdecException;
import specdec.engine.tensor.DType;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Draft/target pairs built from the random-weight presets, written on first use into the local
 * cache so that speculative decoding runs with no download. The draft is the target's own
 * weights rounded to bf16: same vocabulary, close but not identical distributions.
 */
public final class OfflinePairs {
    public record Pair(String name, String arch, String preset, long seed, DType target, DType draft, String description) {
        public Path targetDir(Path cache) {
            return cache.resolve("pairs").resolve(name).resolve("target");
        }

        public Path draftDir(Path cache) {
            return cache.resolve("pairs").resolve(name).resolve("draft");
        }
    }

    public static final Map<String, Pair> PAIRS = new LinkedHashMap<>();

    static {
        add(new Pair("gpt2-tiny-dev", "gpt2", "tiny", 1, DType.F32, DType.BF16,
                "GPT-2 tiny preset (vocab 512), f32 target, its bf16 copy as draft"));
        add(new Pair("llama-tiny-dev", "llama", "tiny", 1, DType.F32, DType.BF16,
                "Llama tiny preset (GQA, vocab 512), f32 target, its bf16 copy as draft"));
        add(new Pair("gpt2-dev", "gpt2", "gpt2", 1, DType.F32, DType.BF16,
                "GPT-2 124M shapes, random weights, f32 target, its bf16 copy as draft (about 750 MB on disk)"));
    }

    private static void add(Pair p) {
        PAIRS.put(p.name(), p);
    }

    private OfflinePairs() {}

    public static Pair get(String name) {
        Pair p = PAIRS.get(name);
        if (p == null) throw new SpecdecException("unknown pair '" + name + "' (offline pairs: " + String.join(", ", PAIRS.keySet()) + ")");
        return p;
    }

    /** {@code $SPECDEC_CACHE}, else {@code ~/.cache/specdec}. */
    public static Path cacheRoot() {
        String env = System.getenv("SPECDEC_CACHE");
        if (env != null && !env.isBlank()) return Path.of(env);
        return Path.of(System.getProperty("user.home"), ".cache", "specdec");
    }

    /** Writes the pair's models unless they are already there; returns {target, draft}. */
    public static Path[] ensure(Pair p, Path cache) {
        Path target = p.targetDir(cache), draft = p.draftDir(cache);
        ModelConfig config = Presets.get(p.arch(), p.preset());
        writeOnce(target, dir -> ModelInit.write(config, p.target(), p.seed(), false, dir));
        writeOnce(draft, dir -> ModelInit.write(config, p.draft(), p.seed(), false, dir));
        return new Path[] {target, draft};
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
