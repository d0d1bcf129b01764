package specdec.engine.backend.cpu;

import jdk.incubator.vector.FloatVector;
import specdec.engine.io.HugePageArena;
import specdec.engine.io.OffHeap;
import specdec.engine.kv.KvCache;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * K and V per layer as off-heap float buffers, allocated once, a kv head's positions after one
 * another so that attention streams them (position-major rows put a head's 256 bytes every
 * kvDim * 4). Values are [kvHeads][capacity][headDim]. Keys are in blocks of {@link #BLOCK}
 * positions, [kvHeads][blocks][headDim][BLOCK]: a block's scores for one query are then a run of
 * fmas, one per dimension, down contiguous memory, with no sum across lanes per position.
 */
public final class CpuKvCache extends KvCache {
    /** Positions per key block: one vector of floats. */
    static final int BLOCK = FloatVector.SPECIES_PREFERRED.length();

    private final Arena arena = new HugePageArena();
    private final long allocated;
    final int headDim;
    /** Key blocks per kv head: the capacity rounded up to whole blocks. */
    final int blocks;
    final MemorySegment[] keys;
    final MemorySegment[] values;

    CpuKvCache(int layers, int capacity, int kvDim, int headDim) {
        super(layers, capacity, kvDim);
        if (headDim <= 0 || kvDim % headDim != 0) throw new IllegalArgumentException("kvDim " + kvDim + " is not a multiple of headDim " + headDim);
        this.headDim = headDim;
        this.blocks = (capacity + BLOCK - 1) / BLOCK;
        keys = new MemorySegment[layers];
        values = new MemorySegment[layers];
        long keyBytes = (long) blocks * BLOCK * kvDim * Float.BYTES, valueBytes = (long) capacity * kvDim * Float.BYTES;
        for (int l = 0; l < layers; l++) {
            keys[l] = OffHeap.allocate(arena, keyBytes);
            values[l] = OffHeap.allocate(arena, valueBytes);
        }
        allocated = layers * (keyBytes + valueBytes);
    }

    /** Byte offset of kv head {@code kvh}'s key block {@code block} (its dimension 0). */
    long keyBlockAt(int kvh, int block) {
        return ((long) kvh * blocks + block) * headDim * BLOCK * Float.BYTES;
    }

    /** Byte offset of kv head {@code kvh}'s key at position {@code pos}, dimension 0 (dimension d: + d * BLOCK * 4). */
    long keyAt(int kvh, int pos) {
        return keyBlockAt(kvh, pos / BLOCK) + (long) (pos % BLOCK) * Float.BYTES;
    }

    /** Byte offset of kv head {@code kvh}'s values at position {@code pos}. */
    long valueAt(int kvh, int pos) {
        return ((long) kvh * capacity + pos) * headDim * Float.BYTES;
    }

    @Override
    public void close() {
        if (!arena.scope().isAlive()) return;
        arena.close();
        OffHeap.released(allocated);
    }
}
