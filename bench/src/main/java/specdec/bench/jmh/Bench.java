package specdec.bench.jmh;

import specdec.engine.backend.Tensor;
import specdec.engine.backend.cpu.CpuTensor;

import java.util.SplittableRandom;

/** Shared set-up for the benchmarks. */
final class Bench {
    private Bench() {}

    /** Fills a CPU tensor with standard normal values. */
    static void fill(Tensor t, SplittableRandom rng) {
        float[] a = ((CpuTensor) t).data();
        for (int i = 0; i < a.length; i++) a[i] = (float) rng.nextGaussian();
    }
}
