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
import specdec.engine.backend.Activation;
import specdec.engine.backend.Tensor;
import specdec.engine.backend.cpu.CpuBackend;
import specdec.engine.safetensors.Encoders;
import specdec.engine.tensor.DType;
import specdec.engine.tensor.WeightTensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/** The per-token elementwise ops of a layer (norms, rope, activations) for T rows of width d, on one thread. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-XX:-UseOnStackReplacement",
        "-XX:CompileThresholdScaling=0.5", Bench.TIER3_DELAY,
        Bench.CC_QUIET, Bench.CC_LANES, Bench.CC_HALFS, Bench.CC_LOAD, Bench.CC_Q8, Bench.CC_WIDEN, Bench.CC_LOW, Bench.CC_HIGH, Bench.CC_SLOT, Bench.CC_PASS, Bench.CC_KERNEL})
public class NormRopeBench {
    /** GPT-2 small's width, TinyLlama's. */
    @Param({"768", "2048"})
    int d;

    @Param({"1", "5"})
    int T;

    CpuBackend backend;
    Arena arena;
    WeightTensor gamma, beta;
    Tensor x, out, wide;
    float[] invFreq;

    @Setup
    public void setup() {
        backend = new CpuBackend(1);
        arena = Arena.ofShared();
        SplittableRandom rng = new SplittableRandom(4);
        gamma = vector(d, rng);
        beta = vector(d, rng);
        x = backend.allocate(T, d);
        out = backend.allocate(T, d);
        wide = backend.allocate(T, 4 * d);
        Bench.fill(x, rng);
        Bench.fill(wide, rng);
        invFreq = new float[32];
        for (int i = 0; i < 32; i++) invFreq[i] = (float) Math.pow(10000, -i / 32.0);
    }

    private WeightTensor vector(int n, SplittableRandom rng) {
        MemorySegment seg = arena.allocate(4L * n, 64);
        for (int i = 0; i < n; i++) Encoders.put(seg, DType.F32, i, (float) rng.nextGaussian());
        return WeightTensor.of("v", DType.F32, seg, 1, n);
    }

    @TearDown
    public void close() {
        backend.close();
        arena.close();
    }

    @Benchmark
    public Tensor layerNorm() {
        backend.layerNorm(out, x, gamma, beta, 1e-5f, T);
        return out;
    }

    @Benchmark
    public Tensor rmsNorm() {
        backend.rmsNorm(out, x, gamma, 1e-5f, T);
        return out;
    }

    @Benchmark
    public Tensor rope() {
        backend.rope(x, d / 64, 64, invFreq, 100, T);
        return x;
    }

    /** GELU (tanh) over the MLP's 4d-wide hidden rows. */
    @Benchmark
    public Tensor gelu() {
        backend.activate(wide, Activation.GELU_TANH, T);
        return wide;
    }
}
