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
import specdec.engine.safetensors.Encoders;
import specdec.engine.tensor.DType;
import specdec.engine.tensor.BF16Tiles;
import specdec.engine.tensor.F16Tiles;
import specdec.engine.tensor.F32Tiles;
import specdec.engine.tensor.Q4Tiles;
import specdec.engine.tensor.Q8Tiles;
import specdec.engine.tensor.Quantize;
import specdec.engine.tensor.WeightTensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/** One weight matrix times T input rows, single thread, per dtype: the kernel behind every forward. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-XX:-UseOnStackReplacement",
        "-XX:CompileThresholdScaling=0.5", Bench.TIER3_DELAY,
        Bench.CC_QUIET, Bench.CC_LANES, Bench.CC_HALFS, Bench.CC_LOAD, Bench.CC_Q8, Bench.CC_WIDEN, Bench.CC_LOW, Bench.CC_HIGH, Bench.CC_SLOT, Bench.CC_PASS, Bench.CC_KERNEL})
public class MatmulBench {
    @Param({"F32", "BF16", "F16", "Q8_0", "Q4_0"})
    String dtype;

    @Param({"1", "2", "5", "8"})
    int T;

    /** GPT-2's MLP up-projection, [3072, 768]. */
    @Param({"3072x768"})
    String shape;

    /** false: the row layouts' kernels, which the tiles replaced (a scale beyond f16 keeps Q8_0 and Q4_0 in rows). */
    @Param({"true"})
    boolean tiles;

    /** The weights' standard deviation (0.02: about 0.2 % of them are f16 subnormals). */
    @Param({"0.02"})
    float std;

    Arena arena;
    WeightTensor w;
    float[] x, out;

    @Setup
    public void setup() {
        String[] s = shape.split("x");
        int rows = Integer.parseInt(s[0]), cols = Integer.parseInt(s[1]);
        DType d = DType.valueOf(dtype);
        // a shared arena, as the model's weights and caches use: segments of an automatic arena
        // measured 10-100x slower in this kernel (their liveness checks stay in the loop)
        arena = new HugePageArena(); // the models' memory: 2 MiB pages where the kernel grants them
        SplittableRandom rng = new SplittableRandom(1);
        w = matrix(d, rows, cols, std, tiles, rng, arena);
        x = new float[8 * cols];
        for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextGaussian();
        out = new float[8 * rows];
    }

    /** A random matrix of standard deviation {@code std} in format d, in its tiles where {@code tiles}, as the CPU models compute with them. */
    static WeightTensor matrix(DType d, int rows, int cols, float std, boolean tiles, SplittableRandom rng, Arena arena) {
        DType stored = d.isQuantized() ? DType.F32 : d;
        MemorySegment seg = arena.allocate((long) rows * cols * stored.bytes(), 64);
        for (long i = 0; i < (long) rows * cols; i++) Encoders.put(seg, stored, i, (float) rng.nextGaussian() * std);
        WeightTensor w = WeightTensor.of("w", stored, seg, rows, cols);
        if (d.isQuantized()) w = Quantize.of(w, d, arena);
        if (!tiles) return w;
        return switch (d) {
            case F32 -> F32Tiles.of(w, arena);
            case BF16 -> BF16Tiles.of(w, arena);
            case F16 -> F16Tiles.of(w, arena);
            case Q8_0 -> Q8Tiles.of(w, arena);
            case Q4_0 -> Q4Tiles.of(w, arena);
            default -> w;
        };
    }

    @TearDown
    public void close() {
        arena.close();
    }

    @Benchmark
    public float[] matmul() {
        w.matmul(x, w.cols(), T, out, w.rows(), 0, w.rows());
        return out;
    }
}
