package specdec.engine.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * F16 weights in the CPU kernels' tiles (see {@link HalfTiles}), widened by {@link Tiles#widen}
 * (finite: F16 weights are checked when they are built).
 */
public final class F16Tiles extends HalfTiles {
    private F16Tiles(String name, MemorySegment segment, int rows, int cols) {
        super(name, segment, rows, cols, false);
    }

    /** {@code w}'s values in tiles, allocated in {@code arena}. */
    public static WeightTensor of(WeightTensor w, Arena arena) {
        if (w.dtype() != DType.F16) throw new IllegalArgumentException(w.name() + " is " + w.dtype() + ", not F16");
        if (w instanceof F16Tiles) return w;
        return new F16Tiles(w.name(), repack(w, arena), w.rows(), w.cols());
    }

    @Override
    public DType dtype() {
        return DType.F16;
    }

    @Override
    float toFloat(short bits) {
        return Halfs.f16ToFloat(bits);
    }

    @Override
    HalfTiles view(String name, MemorySegment segment, int rows) {
        return new F16Tiles(name, segment, rows, cols);
    }
}
