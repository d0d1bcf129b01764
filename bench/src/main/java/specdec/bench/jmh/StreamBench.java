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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import specdec.engine.io.HugePageArena;
import specdec.engine.tensor.DType;
import specdec.engine.tensor.WeightTensor;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The 49 matrices of GPT-2 124M (12 layers of [2304, 768], [768, 768], [3072, 768], [768, 3072],
 * then [50257, 768]) one after another, one thread, T inputs: the kernels reading from memory,
 * as a decode step does, where {@link MatmulBench}'s one matrix stays in cache. Bytes per second
 * = the matrices' bytes (printed at setup) over the time.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-XX:-UseOnStackReplacement",
        "-XX:CompileThresholdScaling=0.5", Bench.TIER3_DELAY,
        Bench.CC_QUIET, Bench.CC_LANES, Bench.CC_HALFS, Bench.CC_LOAD, Bench.CC_Q8, Bench.CC_WIDEN, Bench.CC_LOW, Bench.CC_HIGH, Bench.CC_SLOT, Bench.CC_PASS, Bench.CC_KERNEL})
public class StreamBench {
    private static final int[][] LAYER = {{2304, 768}, {768, 768}, {3072, 768}, {768, 3072}};

    @Param({"F32", "BF16", "F16", "Q8_0", "Q4_0"})
    String dtype;

    @Param({"1", "5"})
    int T;

    Arena arena;
    List<WeightTensor> matrices;
    float[] x, out;

    @Setup
    public void setup() {
        DType d = DType.valueOf(dtype);
        arena = new HugePageArena(); // the models' memory: 2 MiB pages where the kernel grants them
        SplittableRandom rng = new SplittableRandom(1);
        matrices = new ArrayList<>();
        for (int layer = 0; layer < 12; layer++) {
            for (int[] s : LAYER) matrices.add(MatmulBench.matrix(d, s[0], s[1], 0.02f, true, rng, arena));
        }
        matrices.add(MatmulBench.matrix(d, 50257, 768, 0.02f, true, rng, arena));
        long bytes = matrices.stream().mapToLong(w -> w.segment().byteSize()).sum();
        System.out.printf("%n%s: %d bytes in %d matrices%n", dtype, bytes, matrices.size());
        x = new float[5 * 3072];
        for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextGaussian();
        out = new float[5 * 50257];
    }

    @TearDown
    public void close() {
        arena.close();
    }

    @Benchmark
    public float[] all() {
        for (WeightTensor w : matrices) w.matmul(x, w.cols(), T, out, w.rows(), 0, w.rows());
        return out;
    }
}
