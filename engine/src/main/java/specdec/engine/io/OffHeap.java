package specdec.engine.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
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

    /** The process's anonymous memory on 2 MiB pages (AnonHugePages of /proc/self/smaps_rollup), or -1 where that file is not there. */
    public static long hugePageBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/smaps_rollup"))) {
                if (line.startsWith("AnonHugePages:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** The transparent huge page mode (always, madvise, never), or "unknown" where it cannot be read. */
    public static String transparentHugePages() {
        try {
            String s = Files.readString(Path.of("/sys/kernel/mm/transparent_hugepage/enabled"));
            int a = s.indexOf('['), b = s.indexOf(']');
            return a >= 0 && b > a ? s.substring(a + 1, b) : "unknown";
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
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
