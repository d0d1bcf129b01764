package specdec.bench.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import specdec.engine.SpecdecException;
import specdec.models.hub.HubCache;
import specdec.models.hub.HubDownloader;
import specdec.models.hub.ModelRef;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "download", mixinStandardHelpOptions = true,
        description = "Download a model (config, generation config, tokenizer files, safetensors weights or shards) "
                + "from the Hugging Face hub into the standard HF cache, resuming partial files and checking sha256.")
final class DownloadCommand extends CliCommand implements Callable<Integer> {
    @Parameters(paramLabel = "ID", description = "Repository id, e.g. openai-community/gpt2.")
    String id;

    @Option(names = "--revision", defaultValue = "main", description = "Branch, tag or commit (default: ${DEFAULT-VALUE}).")
    String revision;

    @Option(names = "--cache-dir", description = "Hub cache (default: $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub).")
    Path cacheDir;

    @Option(names = "--endpoint", description = "Hub endpoint (default: $HF_ENDPOINT, else https://huggingface.co).")
    String endpoint;

    @Option(names = "--token", description = "Access token for gated or private repositories (default: $HF_TOKEN).")
    String token;

    @Override
    public Integer call() {
        if (ModelRef.isOffline()) {
            throw new SpecdecException("download needs the network, but offline mode is on (--offline or HF_HUB_OFFLINE)");
        }
        HubCache cache = cacheDir != null ? new HubCache(cacheDir) : HubCache.standard();
        PrintWriter progress = new PrintWriter(spec.commandLine().getErr(), true);
        HubDownloader fromEnv = HubDownloader.fromEnvironment(cache, progress);
        HubDownloader downloader = endpoint == null && token == null ? fromEnv
                : new HubDownloader(cache, endpoint != null ? endpoint : envOr("HF_ENDPOINT", "https://huggingface.co"),
                token != null ? token : System.getenv("HF_TOKEN"), progress);
        Path snapshot = downloader.download(id, revision);
        out().println(snapshot);
        return 0;
    }

    private static String envOr(String name, String dflt) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? dflt : v;
    }
}
