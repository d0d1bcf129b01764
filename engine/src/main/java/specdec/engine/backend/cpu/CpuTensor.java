package specdec.engine.backend.cpu;

import specdec.engine.backend.Tensor;

/** A row-major float array on the heap: activations are small and the JIT vectorises arrays best. */
public record CpuTensor(float[] data, int rows, int cols) implements Tensor {
    public CpuTensor(int rows, int cols) {
        this(new float[Math.multiplyExact(rows, cols)], rows, cols);
    }
}
