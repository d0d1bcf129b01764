package specdec.engine;

import specdec.engine.safetensors.Encoders;
import specdec.engine.tensor.DType;
import specdec.engine.tensor.Quantize;
import specdec.engine.tensor.WeightTensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

/** Builds small weights off-heap for tests. */
public final class TestWeights {
    private TestWeights() {}

    public static WeightTensor of(DType dtype, int rows, int cols, float[] values) {
        if (dtype.isQuantized()) return Quantize.of(of(DType.F32, rows, cols, values), dtype, Arena.ofAuto());
        MemorySegment seg = Arena.ofAuto().allocate((long) rows * cols * dtype.bytes(), 64);
        Encoders.encode(values, dtype, seg);
        return WeightTensor.of("w", dtype, seg, rows, cols);
    }

    public static float[] gaussian(Random rng, int n, double std) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (rng.nextGaussian() * std);
        return a;
    }

    /** The value the weight actually holds after rounding to its dtype. */
    public static double[] stored(WeightTensor w) {
        double[] d = new double[(int) w.numel()];
        for (int i = 0; i < d.length; i++) d[i] = w.get(i);
        return d;
    }
}
