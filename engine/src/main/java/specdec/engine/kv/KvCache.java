package specdec.engine.kv;

import specdec.engine.SpecdecException;

/**
 * A preallocated key/value cache for every layer of one model. {@code length} is the only state
 * that decoding changes: a forward appends at {@code length()}, and {@link #rollback} discards
 * the tail by moving the pointer back (no copy, no allocation).
 */
public abstract class KvCache implements AutoCloseable {
    protected final int layers;
    protected final int capacity;
    protected final int kvDim;
    private int length;

    protected KvCache(int layers, int capacity, int kvDim) {
        if (capacity <= 0) throw new SpecdecException("KV cache capacity must be positive, got " + capacity);
        this.layers = layers;
        this.capacity = capacity;
        this.kvDim = kvDim;
    }

    public final int length() {
        return length;
    }

    public final int capacity() {
        return capacity;
    }

    public final int layers() {
        return layers;
    }

    /** Values per position per layer: kv heads x head dim. */
    public final int kvDim() {
        return kvDim;
    }

    /** Bytes held for keys and values (float32). */
    public final long bytes() {
        return 2L * layers * capacity * kvDim * Float.BYTES;
    }

    /** Keeps the first {@code newLength} positions; the rest will be overwritten by the next forward. */
    public final void rollback(int newLength) {
        if (newLength < 0 || newLength > length) {
            throw new IllegalArgumentException("rollback to " + newLength + " outside [0, " + length + "]");
        }
        length = newLength;
    }

    /** Checks that {@code count} more positions fit; call before writing them. */
    public final void checkRoom(int count) {
        if ((long) length + count > capacity) {
            throw new ContextFullException(length, count, capacity);
        }
    }

    /** Marks {@code count} positions, already written at {@code length()}, as part of the cache. */
    public final void advance(int count) {
        checkRoom(count);
        length += count;
    }

    @Override
    public void close() {}
}
