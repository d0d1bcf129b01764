package specdec.models.hub;

import specdec.engine.SpecdecException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The standard Hugging Face hub cache, so models downloaded by Python users are reused:
 * {@code $HF_HUB_CACHE}, else {@code $HF_HOME/hub}, else {@code ~/.cache/huggingface/hub}, laid
 * out as {@code models--ORG--NAME/{blobs,refs,snapshots/COMMIT}}.
 */
public final class HubCache {
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

    private final Path root;

    public HubCache(Path root) {
        this.root = root;
    }

    public static HubCache standard() {
        String hubCache = System.getenv("HF_HUB_CACHE");
        if (hubCache != null && !hubCache.isBlank()) return new HubCache(Path.of(hubCache));
        String home = System.getenv("HF_HOME");
        if (home != null && !home.isBlank()) return new HubCache(Path.of(home, "hub"));
        return new HubCache(Path.of(System.getProperty("user.home"), ".cache", "huggingface", "hub"));
    }

    public Path root() {
        return root;
    }

    /** {@code models--openai-community--gpt2} for {@code openai-community/gpt2}. */
    public Path repoDir(String repoId) {
        return root.resolve("models--" + repoId.replace("/", "--"));
    }

    /** The snapshot folder of {@code repoId} at {@code revision} (a branch, tag or commit), if cached. */
    public Optional<Path> snapshot(String repoId, String revision) {
        Path repo = repoDir(repoId);
        String commit = revision;
        if (!COMMIT.matcher(revision).matches()) {
            Path ref = repo.resolve("refs").resolve(revision);
            if (!Files.isRegularFile(ref)) return Optional.empty();
            try {
                commit = Files.readString(ref).strip();
            } catch (IOException e) {
                throw new SpecdecException(ref + ": cannot read: " + e.getMessage(), e);
            }
        }
        Path snap = repo.resolve("snapshots").resolve(commit);
        return Files.isDirectory(snap) && Files.exists(snap.resolve("config.json")) ? Optional.of(snap) : Optional.empty();
    }
}
