package specdec.engine.backend.cpu;

import specdec.engine.io.HugePageArena;
import specdec.engine.io.OffHeap;
import specdec.engine.kv.KvCache;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * K and V per layer as off-heap [kvHeads][capacity][headDim] float buffers, allocated once: a
 * head's positions one after another, so that attention streams them (position-major rows put a
 * head's 256 bytes every kvDim * 4).
 */
public final class CpuKvCache extends KvCache {
    private final Arena arena = new HugePageArena();
    final int headDim;
    final MemorySegment[] keys;
    final MemorySegment[] values;

    CpuKvCache(int layers, int capacity, int kvDim, int headDim) {
        super(layers, capacity, kvDim);
        if (headDim <= 0 || kvDim % headDim != 0) throw new IllegalArgumentException("kvDim " + kvDim + " is not a multiple of headDim " + headDim);
        this.headDim = headDim;
        keys = new MemorySegment[layers];
        values = new MemorySegment[layers];
        long bytes = (long) capacity * kvDim * Float.BYTES;
        for (int l = 0; l < layers; l++) {
            keys[l] = OffHeap.allocate(arena, bytes);
            values[l] = OffHeap.allocate(arena, bytes);
        }
    }

    /** Byte offset of kv head {@code kvh}'s values at position {@code pos}. */
    long at(int kvh, int pos) {
        return ((long) kvh * capacity + pos) * headDim * Float.BYTES;
    }

    @Override
    public void close() {
        if (!arena.scope().isAlive()) return;
        arena.close();
        OffHeap.released(bytes());
    }
}
