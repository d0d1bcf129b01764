package specdec.bench.jmh;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import specdec.engine.backend.cpu.CpuBackend;
import specdec.engine.kv.KvCache;
import specdec.engine.model.Logits;
import specdec.engine.tensor.DType;
import specdec.models.ModelInit;
import specdec.models.ModelLoader;
import specdec.models.Presets;
import specdec.models.TransformerModel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A whole forward on a random-weight preset: one token (decode) and K + 1 = 5 tokens
 * (verification), 32 positions into the cache, all cores.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-XX:-UseOnStackReplacement",
        "-XX:CompileThresholdScaling=0.5", Bench.TIER3_DELAY,
        Bench.CC_QUIET, Bench.CC_LANES, Bench.CC_HALFS, Bench.CC_LOAD, Bench.CC_Q8, Bench.CC_WIDEN, Bench.CC_LOW, Bench.CC_HIGH, Bench.CC_SLOT, Bench.CC_PASS, Bench.CC_KERNEL})
public class DecodeStepBench {
    @Param({"gpt2:text-dev", "llama:tiny"})
    String preset;

    @Param({"F32", "BF16"})
    String dtype;

    @Param({"1", "5"})
    int T;

    Path dir;
    CpuBackend backend;
    TransformerModel model;
    KvCache cache;
    int[] tokens;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        String[] p = preset.split(":");
        dir = Files.createTempDirectory("specdec-jmh");
        ModelInit.write(Presets.get(p[0], p[1]), DType.valueOf(dtype), 1, false, dir);
        backend = new CpuBackend();
        model = ModelLoader.load(dir, backend);
        cache = model.newCache(64);
        tokens = new int[32];
        for (int i = 0; i < tokens.length; i++) tokens[i] = (i * 31) % model.vocabSize();
        model.forward(tokens, cache);
    }

    @Benchmark
    public Logits forward() {
        Logits l = model.forward(tokens, 0, T, cache, false);
        cache.rollback(32);
        return l;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        cache.close();
        model.close();
        backend.close();
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) Files.delete(f);
        }
        Files.delete(dir);
    }
}
