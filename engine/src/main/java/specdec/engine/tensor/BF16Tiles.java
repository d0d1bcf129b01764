package specdec.engine.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** BF16 weights in the CPU kernels' tiles (see {@link HalfTiles}), widened by a shift or a mask. */
public final class BF16Tiles extends HalfTiles {
    private BF16Tiles(String name, MemorySegment segment, int rows, int cols) {
        super(name, segment, rows, cols, true, 0);
    }

    /** {@code w}'s values in tiles, allocated in {@code arena}. */
    public static WeightTensor of(WeightTensor w, Arena arena) {
        if (w.dtype() != DType.BF16) throw new IllegalArgumentException(w.name() + " is " + w.dtype() + ", not BF16");
        if (w instanceof BF16Tiles) return w;
        return new BF16Tiles(w.name(), repack(w, arena, 0), w.rows(), w.cols());
    }

    @Override
    public DType dtype() {
        return DType.BF16;
    }

    @Override
    float toFloat(short bits) {
        return Halfs.bf16ToFloat(bits);
    }

    @Override
    HalfTiles view(String name, MemorySegment segment, int rows) {
        return new BF16Tiles(name, segment, rows, cols);
    }
}
