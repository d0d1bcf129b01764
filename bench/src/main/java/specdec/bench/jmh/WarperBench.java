package specdec.bench.jmh;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import specdec.engine.decode.SamplingParams;
import specdec.engine.decode.Warper;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/** Turning one row of logits into a distribution over a real vocabulary: the per-token cost a small draft pays. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-XX:-UseOnStackReplacement",
        "-XX:CompileThresholdScaling=0.5", Bench.TIER3_DELAY,
        Bench.CC_QUIET, Bench.CC_LANES, Bench.CC_HALFS, Bench.CC_LOAD, Bench.CC_Q8, Bench.CC_WIDEN, Bench.CC_LOW, Bench.CC_HIGH, Bench.CC_SLOT, Bench.CC_PASS, Bench.CC_KERNEL})
public class WarperBench {
    @Param({"50257", "128256"})
    int vocab;

    @Param({"temperature", "top-k", "top-p"})
    String warp;

    Warper warper;
    float[] logits, probs;
    SamplingParams params;

    @Setup
    public void setup() {
        warper = new Warper(vocab);
        logits = new float[vocab];
        probs = new float[vocab];
        SplittableRandom rng = new SplittableRandom(2);
        for (int i = 0; i < vocab; i++) logits[i] = (float) rng.nextGaussian() * 3;
        params = switch (warp) {
            case "top-k" -> new SamplingParams(0.8, 40, 1);
            case "top-p" -> new SamplingParams(0.8, 0, 0.9);
            default -> new SamplingParams(0.8, 0, 1);
        };
    }

    @Benchmark
    public float[] warp() {
        warper.probabilities(logits, 0, params, probs);
        return probs;
    }
}
