package specdec.engine.backend.cpu;

import specdec.engine.io.HugePageArena;
import specdec.engine.io.OffHeap;
import specdec.engine.kv.KvCache;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** K and V per layer as off-heap [capacity][kvDim] float buffers, allocated once. */
public final class CpuKvCache extends KvCache {
    private final Arena arena = new HugePageArena();
    final MemorySegment[] keys;
    final MemorySegment[] values;

    CpuKvCache(int layers, int capacity, int kvDim) {
        super(layers, capacity, kvDim);
        keys = new MemorySegment[layers];
        values = new MemorySegment[layers];
        long bytes = (long) capacity * kvDim * Float.BYTES;
        for (int l = 0; l < layers; l++) {
            keys[l] = OffHeap.allocate(arena, bytes);
            values[l] = OffHeap.allocate(arena, bytes);
        }
    }

    @Override
    public void close() {
        if (!arena.scope().isAlive()) return;
        arena.close();
        OffHeap.released(bytes());
    }
}
