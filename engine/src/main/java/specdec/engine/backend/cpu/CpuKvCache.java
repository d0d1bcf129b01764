package specdec.engine.backend.cpu;

import specdec.engine.kv.KvCache;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** K and V per layer as off-heap [capacity][kvDim] float buffers, allocated once. */
public final class CpuKvCache extends KvCache {
    private final Arena arena = Arena.ofShared();
    final MemorySegment[] keys;
    final MemorySegment[] values;

    CpuKvCache(int layers, int capacity, int kvDim) {
        super(layers, capacity, kvDim);
        keys = new MemorySegment[layers];
        values = new MemorySegment[layers];
        long bytes = (long) capacity * kvDim * Float.BYTES;
        for (int l = 0; l < layers; l++) {
            keys[l] = arena.allocate(bytes, 64);
            values[l] = arena.allocate(bytes, 64);
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}
