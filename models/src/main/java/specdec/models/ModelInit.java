package specdec.models;

import com.fasterxml.jackson.databind.ObjectMapper;
import specdec.engine.io.AtomicFiles;
import specdec.engine.safetensors.Encoders;
import specdec.engine.safetensors.SafetensorsWriter;
import specdec.engine.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

/**
 * Writes a random-weight model in exact HF layout: config.json and model.safetensors. Values
 * come from per-chunk generators seeded by (seed, tensor name, chunk), so the same seed gives
 * the same bytes whatever the thread count.
 */
public final class ModelInit {
    private static final long CHUNK = 1 << 20;

    private ModelInit() {}

    /**
     * @param perturb also randomise norms and biases (1 + N(0, 0.1) and N(0, 0.05)) so that
     *                parity tests exercise every weight, not just the matrices
     */
    public static void write(ModelConfig config, DType dtype, long seed, boolean perturb, Path dir) {
        SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
        for (TensorSpec spec : config.tensors()) {
            w.add(spec.name(), dtype, spec.shape(), seg -> fill(seg, dtype, spec, seed, perturb));
        }
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new specdec.engine.SpecdecException(dir + ": cannot create directory: " + e.getMessage(), e);
        }
        w.write(dir.resolve("model.safetensors"));
        byte[] json;
        try {
            json = new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(config.toJson());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        AtomicFiles.write(dir.resolve("config.json"), tmp -> Files.write(tmp, json));
    }

    private static void fill(MemorySegment seg, DType dtype, TensorSpec spec, long seed, boolean perturb) {
        long n = seg.byteSize() / dtype.bytes();
        long nameSeed = seed * 0x9E3779B97F4A7C15L ^ spec.name().hashCode();
        LongStream.range(0, (n + CHUNK - 1) / CHUNK).parallel().forEach(chunk -> {
            SplittableRandom rng = new SplittableRandom(nameSeed + chunk * 0xBF58476D1CE4E5B9L);
            long end = Math.min(n, (chunk + 1) * CHUNK);
            for (long i = chunk * CHUNK; i < end; i++) {
                Encoders.put(seg, dtype, i, sample(spec.init(), rng, perturb));
            }
        });
    }

    private static float sample(TensorSpec.Init init, SplittableRandom rng, boolean perturb) {
        return switch (init) {
            case TensorSpec.Normal nrm -> (float) (rng.nextGaussian() * nrm.std());
            case TensorSpec.Constant c -> perturb
                    ? (float) (c.value() + rng.nextGaussian() * (c.value() == 0f ? 0.05 : 0.1))
                    : c.value();
        };
    }
}
