package specdec.bench.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "jmh", mixinStandardHelpOptions = false,
        description = "Run the JMH microbenchmarks (MatmulBench, AttentionBench, NormRopeBench, WarperBench, DecodeStepBench); arguments go to JMH, "
                + "e.g. 'specdec jmh MatmulBench -rf json -rff jmh.json'.")
final class JmhCommand extends CliCommand implements Callable<Integer> {
    /** Everything after 'jmh' goes to JMH untouched, its own options included. */
    @Unmatched
    List<String> args = new java.util.ArrayList<>();

    @Override
    public Integer call() throws Exception {
        org.openjdk.jmh.Main.main(args.toArray(String[]::new));
        return 0;
    }
}
