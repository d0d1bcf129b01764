package specdec.engine.tensor;

import specdec.engine.io.OffHeap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Transposes a weight into off-heap memory of the same dtype. GPT-2's Conv1D stores [in, out];
 * the matmul kernels want one contiguous row per output, so those weights are laid out once at
 * load. The caller reports the bytes to {@link OffHeap#released} when it closes the arena.
 */
public final class Transpose {
    private static final int BLOCK = 64;
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED;

    private Transpose() {}

    public static WeightTensor of(WeightTensor w, Arena arena) {
        int rows = w.rows(), cols = w.cols();
        int size = w.dtype().bytes();
        MemorySegment src = w.segment();
        MemorySegment dst = OffHeap.allocate(arena, (long) rows * cols * size);
        for (int r0 = 0; r0 < rows; r0 += BLOCK) {
            for (int c0 = 0; c0 < cols; c0 += BLOCK) {
                int r1 = Math.min(rows, r0 + BLOCK), c1 = Math.min(cols, c0 + BLOCK);
                for (int r = r0; r < r1; r++) {
                    for (int c = c0; c < c1; c++) {
                        long from = (long) r * cols + c, to = (long) c * rows + r;
                        if (size == 4) dst.setAtIndex(I32, to, src.getAtIndex(I32, from));
                        else dst.setAtIndex(I16, to, src.getAtIndex(I16, from));
                    }
                }
            }
        }
        return WeightTensor.sameValues(w, w.name() + ".T", dst, cols, rows);
    }
}
