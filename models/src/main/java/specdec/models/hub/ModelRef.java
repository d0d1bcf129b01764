package specdec.models.hub;

import specdec.engine.SpecdecException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What {@code --model} names: a local directory, or a hub id such as {@code gpt2},
 * {@code openai-community/gpt2-xl} or {@code TinyLlama/TinyLlama-1.1B-Chat-v1.0}, optionally with
 * {@code @revision}, found in the standard Hugging Face cache.
 */
public final class ModelRef {
    private ModelRef() {}

    public static Path resolve(String arg) {
        return resolve(arg, HubCache.standard());
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
        return snap.orElseThrow(() -> new SpecdecException(arg + ": not a local directory, and revision '" + revision
                + "' of " + id + " is not in the Hugging Face cache at " + cache.root()
                + " (downloading is not built yet: fetch it with the huggingface_hub tools, or set HF_HUB_CACHE)"));
    }
}
