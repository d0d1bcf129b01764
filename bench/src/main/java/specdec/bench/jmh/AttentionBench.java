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
import specdec.engine.backend.Tensor;
import specdec.engine.backend.cpu.CpuBackend;
import specdec.engine.kv.KvCache;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One layer's attention of T new tokens over a cache of L positions (GPT-2 small's 12 heads of 64),
 * on one thread: the part of a step that grows with the context.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-XX:-UseOnStackReplacement",
        "-XX:CompileThresholdScaling=0.5", Bench.TIER3_DELAY,
        Bench.CC_QUIET, Bench.CC_LANES, Bench.CC_HALFS, Bench.CC_LOAD, Bench.CC_Q8, Bench.CC_WIDEN, Bench.CC_LOW, Bench.CC_HIGH, Bench.CC_SLOT, Bench.CC_PASS, Bench.CC_KERNEL})
public class AttentionBench {
    @Param({"128", "512", "2048"})
    int cacheLength;

    @Param({"1", "5"})
    int T;

    static final int HEADS = 12, HEAD_DIM = 64;

    CpuBackend backend;
    KvCache cache;
    Tensor q, out;

    @Setup
    public void setup() {
        backend = new CpuBackend(1);
        int d = HEADS * HEAD_DIM;
        cache = backend.newKvCache(1, cacheLength + T, d, HEAD_DIM);
        SplittableRandom rng = new SplittableRandom(3);
        Tensor k = backend.allocate(cacheLength + T, d), v = backend.allocate(cacheLength + T, d);
        Bench.fill(k, rng);
        Bench.fill(v, rng);
        backend.storeKv(cache, 0, k, v, 0, cacheLength + T);
        q = backend.allocate(T, d);
        out = backend.allocate(T, d);
        Bench.fill(q, rng);
    }

    @TearDown
    public void close() {
        cache.close();
        backend.close();
    }

    @Benchmark
    public Tensor attention() {
        backend.attention(out, q, cache, 0, cacheLength, T, HEADS, HEADS, HEAD_DIM, 0.125f);
        return out;
    }
}
