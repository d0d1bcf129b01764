package specdec.engine.safetensors;

import specdec.engine.tensor.DType;

import java.util.Arrays;

/** One entry of a safetensors header: offsets are relative to the start of the data section. */
public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {

    public long numel() {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        return n;
    }

    public long byteSize() {
        return end - begin;
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }
}
