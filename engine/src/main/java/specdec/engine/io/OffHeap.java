package specdec.engine.io;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the native memory the engine allocates (KV caches, relaid weights). The JVM's buffer
 * pools see memory-mapped files but not Arena allocations, so those are counted here.
 */
public final class OffHeap {
    private static final AtomicLong NATIVE = new AtomicLong();

    private OffHeap() {}

    public static MemorySegment allocate(Arena arena, long bytes) {
        MemorySegment s = arena.allocate(bytes, 64);
        NATIVE.addAndGet(bytes);
        return s;
    }

    /** Call when the arena holding {@code bytes} from {@link #allocate} is closed. */
    public static void released(long bytes) {
        NATIVE.addAndGet(-bytes);
    }

    public static long nativeBytes() {
        return NATIVE.get();
    }

    /** Bytes of files mapped into memory (the weights), as the JVM's "mapped" buffer pool reports them. */
    public static long mappedBytes() {
        long total = 0;
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("mapped")) total += pool.getMemoryUsed();
        }
        return total;
    }
}
