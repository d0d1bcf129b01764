package specdec.bench.cli;

import picocli.CommandLine.Command;
import specdec.models.OfflinePairs;

import java.nio.file.Files;
import java.util.concurrent.Callable;

@Command(name = "pairs", mixinStandardHelpOptions = true,
        description = "List the draft/target pairs 'generate --pair' accepts.")
final class PairsCommand extends CliCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        out().println("offline pairs (random weights, written on first use under " + OfflinePairs.cacheRoot() + "):");
        for (OfflinePairs.Pair p : OfflinePairs.PAIRS.values()) {
            boolean there = Files.isDirectory(p.targetDir(OfflinePairs.cacheRoot())) && Files.isDirectory(p.draftDir(OfflinePairs.cacheRoot()));
            out().printf("  %-16s %s%s%n", p.name(), p.description(), there ? " [cached]" : "");
        }
        return 0;
    }
}
