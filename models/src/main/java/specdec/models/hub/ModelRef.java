package specdec.models.hub;

import specdec.engine.SpecdecException;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What {@code --model} names: a local directory, or a hub id such as {@code gpt2},
 * {@code openai-community/gpt2-xl} or {@code TinyLlama/TinyLlama-1.1B-Chat-v1.0}, optionally with
 * {@code @revision}, found in the standard Hugging Face cache.
 */
public final class ModelRef {
    private static volatile boolean offline = HubDownloader.offlineByEnvironment();

    private ModelRef() {}

    /** --offline: never touch the network, use only what the cache holds (also HF_HUB_OFFLINE=1). */
    public static void setOffline(boolean value) {
        offline = value || HubDownloader.offlineByEnvironment();
    }

    public static boolean isOffline() {
        return offline;
    }

    /** A directory, a cached hub id, or (unless offline) a hub id downloaded now into the standard cache. */
    public static Path resolve(String arg) {
        HubCache cache = HubCache.standard();
        try {
            return resolve(arg, cache);
        } catch (NotCached e) {
            if (offline) throw new SpecdecException(e.getMessage() + "; offline mode (--offline or HF_HUB_OFFLINE) forbids downloading it");
            int at = arg.lastIndexOf('@');
            PrintWriter err = new PrintWriter(System.err, true);
            err.println("downloading " + arg + " into " + cache.root());
            return HubDownloader.fromEnvironment(cache, err).download(at > 0 ? arg.substring(0, at) : arg, at > 0 ? arg.substring(at + 1) : "main");
        }
    }

    /** A hub id that is not in the cache (the caller may download it). */
    public static final class NotCached extends SpecdecException {
        NotCached(String message) {
            super(message);
        }
    }

    public static Path resolve(String arg, HubCache cache) {
        Path local = Path.of(arg);
        if (Files.isDirectory(local)) return local;
        int at = arg.lastIndexOf('@');
        String id = at > 0 ? arg.substring(0, at) : arg;
        String revision = at > 0 ? arg.substring(at + 1) : "main";
        if (!id.matches("[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?")) {
            throw new SpecdecException(arg + ": no such model directory, and not a Hugging Face model id");
        }
        Optional<Path> snap = cache.snapshot(id, revision);
        if (snap.isEmpty() && !id.contains("/")) {
            // bare legacy names (gpt2, gpt2-xl) live under openai-community on the hub
            snap = cache.snapshot("openai-community/" + id, revision);
        }
        return snap.orElseThrow(() -> new NotCached(arg + ": not a local directory, and revision '" + revision
                + "' of " + id + " is not in the Hugging Face cache at " + cache.root()));
    }
}
