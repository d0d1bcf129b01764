package specdec.bench.jmh;

import specdec.engine.backend.Tensor;
import specdec.engine.backend.cpu.CpuTensor;

import java.util.SplittableRandom;

/** Shared set-up for the benchmarks. */
final class Bench {
    private Bench() {}

    // The launcher's CompileCommands, one JVM argument each (JMH's benchmark list is line-based,
    // so they cannot share one): the vector helpers stay inlined into every kernel, and Q8_0's and
    // Q4_0's passes compile each on its own; see docs/benchmarks.md.
    /**
     * Kernels always go from C1's tier 2 or 3 on to C2: with C2's queue long (a busy start on two
     * cores), HotSpot compiles a method at tier 2 and moves it on only once the queue is short,
     * which left GPT-2's one-input F16 kernel at tier 2 for a whole run in a third of runs
     * (64-67 tok/s against 85-89); see the launcher.
     */
    static final String TIER3_DELAY = "-XX:Tier3DelayOn=100000";
    static final String CC_QUIET = "-XX:CompileCommand=quiet";
    static final String CC_LANES = "-XX:CompileCommand=inline,specdec.engine.tensor.Lanes::*";
    static final String CC_HALFS = "-XX:CompileCommand=inline,specdec.engine.tensor.Halfs::*";
    static final String CC_LOAD = "-XX:CompileCommand=inline,specdec.engine.tensor.*::load";
    static final String CC_Q8 = "-XX:CompileCommand=inline,specdec.engine.tensor.*::q8";
    static final String CC_WIDEN = "-XX:CompileCommand=inline,specdec.engine.tensor.*::widen";
    static final String CC_LOW = "-XX:CompileCommand=inline,specdec.engine.tensor.*::low";
    static final String CC_HIGH = "-XX:CompileCommand=inline,specdec.engine.tensor.*::high";
    static final String CC_SLOT = "-XX:CompileCommand=inline,specdec.engine.tensor.*::slot";
    static final String CC_PASS = "-XX:CompileCommand=inline,specdec.engine.tensor.BlockTiles::pass*";
    static final String CC_KERNEL = "-XX:CompileCommand=dontinline,*Tiles::kernel*";

    /** Fills a CPU tensor with standard normal values. */
    static void fill(Tensor t, SplittableRandom rng) {
        float[] a = ((CpuTensor) t).data();
        for (int i = 0; i < a.length; i++) a[i] = (float) rng.nextGaussian();
    }
}
