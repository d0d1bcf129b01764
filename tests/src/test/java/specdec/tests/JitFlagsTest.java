package specdec.tests;

import org.junit.jupiter.api.Test;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.VerboseMode;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The JIT settings the kernels' speed depends on (docs/benchmarks.md) are the same in the three
 * places that start a JVM: the launcher, the test forks (the pom) and every JMH fork; and JMH
 * can still read its benchmark list (a newline inside one argument once broke it).
 */
class JitFlagsTest {

    /** The launcher's CompileCommands, as its loop builds them. */
    private static List<String> launcherFlags() throws IOException {
        String script = Files.readString(Path.of(System.getProperty("user.dir")).getParent().resolve("specdec"));
        Matcher loop = Pattern.compile("for m in ([^;]+); do\\s*\\n\\s*jit\\+=\\(\"-XX:CompileCommand=inline,([^$]+)\\$m\"\\)").matcher(script);
        assertThat(loop.find()).as("the launcher's CompileCommand loop").isTrue();
        List<String> flags = new ArrayList<>(List.of("-XX:CompileCommand=quiet"));
        for (String m : loop.group(1).trim().split("\\s+")) flags.add("-XX:CompileCommand=inline," + loop.group(2) + m.replace("'", ""));
        Matcher single = Pattern.compile("jit\\+=\\(\"(-XX:[^\"$]+)\"\\)").matcher(script);
        while (single.find()) flags.add(single.group(1));
        assertThat(flags).anyMatch(f -> f.startsWith("-XX:CompileCommand=dontinline,")).contains("-XX:Tier3DelayOn=100000");
        assertThat(script).contains("-XX:-UseOnStackReplacement", "-XX:CompileThresholdScaling=0.5", "\"${jit[@]}\"");
        return flags;
    }

    @Test
    void testJvmRunsWithTheLaunchersCompileCommands() throws IOException {
        List<String> flags = launcherFlags();
        assertThat(flags).hasSizeGreaterThan(5);
        assertThat(ManagementFactory.getRuntimeMXBean().getInputArguments()).containsAll(flags).contains("-XX:-UseOnStackReplacement");
    }

    @Test
    void everyJmhForkRunsWithTheLaunchersJitSettings() throws IOException {
        List<String> flags = launcherFlags();
        var format = OutputFormatFactory.createFormatInstance(new PrintStream(PrintStream.nullOutputStream()), VerboseMode.SILENT);
        List<BenchmarkListEntry> all = new ArrayList<>(BenchmarkList.defaultList().getAll(format, List.of()));
        assertThat(all).extracting(BenchmarkListEntry::getUsername).contains(
                "specdec.bench.jmh.MatmulBench.matmul", "specdec.bench.jmh.AttentionBench.attention",
                "specdec.bench.jmh.DecodeStepBench.forward", "specdec.bench.jmh.WarperBench.warp");
        for (BenchmarkListEntry e : all) {
            assertThat(e.getJvmArgsAppend().get()).as(e.getUsername())
                    .containsAll(flags).contains("-XX:-UseOnStackReplacement", "-XX:CompileThresholdScaling=0.5");
        }
    }
}
