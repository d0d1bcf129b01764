package specdec.bench.jmh;

import specdec.engine.backend.Tensor;
import specdec.engine.backend.cpu.CpuTensor;

import java.util.SplittableRandom;

/** Shared set-up for the benchmarks. */
final class Bench {
    private Bench() {}

    /**
     * The launcher's CompileCommands as one JVM argument (HotSpot reads one command per line):
     * the vector helpers stay inlined into every kernel, see docs/benchmarks.md.
     */
    static final String INLINE_KERNELS = "-XX:CompileCommand=quiet\n"
            + "inline,specdec.engine.tensor.Lanes::*\ninline,specdec.engine.tensor.Halfs::*\n"
            + "inline,specdec.engine.tensor.*::load\ninline,specdec.engine.tensor.*::q8\n"
            + "inline,specdec.engine.tensor.*::widen\ninline,specdec.engine.tensor.*::low\n"
            + "inline,specdec.engine.tensor.*::high\ninline,specdec.engine.tensor.*::packed";

    /** Fills a CPU tensor with standard normal values. */
    static void fill(Tensor t, SplittableRandom rng) {
        float[] a = ((CpuTensor) t).data();
        for (int i = 0; i < a.length; i++) a[i] = (float) rng.nextGaussian();
    }
}
