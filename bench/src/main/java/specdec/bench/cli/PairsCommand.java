package specdec.bench.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import specdec.engine.SpecdecException;
import specdec.models.OfflinePairs;
import specdec.models.PairRegistry;
import specdec.models.hub.HubCache;
import specdec.models.hub.ModelRef;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "pairs", mixinStandardHelpOptions = true,
        description = "List the draft/target pairs 'generate --pair' accepts: the built-in ones and those in "
                + "~/.config/specdec/pairs.yaml (or $SPECDEC_PAIRS), with whether each can run here.")
final class PairsCommand extends CliCommand implements Callable<Integer> {
    @Option(names = "--pairs-file", description = "A YAML file of extra pairs.")
    Path pairsFile;

    @Override
    public Integer call() {
        PairRegistry registry = pairsFile != null ? PairRegistry.withFile(pairsFile) : PairRegistry.load();
        for (PairRegistry.Pair p : registry.all()) {
            out().printf("%-26s %s%n", p.name(), p.description() == null ? "" : p.description());
            out().printf("%-26s %s%n", "", status(p));
        }
        return 0;
    }

    private static String status(PairRegistry.Pair p) {
        if (p.unavailable() != null) return "unavailable: " + p.unavailable();
        if (p.offline() != null) {
            boolean there = Files.isDirectory(OfflinePairs.targetDir(p.name(), OfflinePairs.cacheRoot()))
                    && Files.isDirectory(OfflinePairs.draftDir(p.name(), OfflinePairs.cacheRoot()));
            return "offline " + p.offline().arch() + "/" + p.offline().preset() + (there ? ", cached" : ", written on first use");
        }
        return p.draft() + " -> " + p.target() + ": " + (cached(p.target()) && cached(p.draft()) ? "in the HF cache" : "not in the HF cache");
    }

    private static boolean cached(String ref) {
        try {
            ModelRef.resolve(ref, HubCache.standard()); // looks in the cache only, never downloads
            return true;
        } catch (SpecdecException e) {
            return false;
        }
    }
}
