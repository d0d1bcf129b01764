package specdec.engine.io;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * A shared arena whose memory comes from 2 MiB-aligned anonymous mappings advised with
 * MADV_HUGEPAGE, so that Linux backs them with 2 MiB pages where transparent huge pages are on
 * ("always" or "madvise"). Allocations are carved one after another from chunks of at least
 * {@link #CHUNK}, so that even matrices smaller than a page share huge pages; a chunk's untouched
 * tail costs no memory. Elsewhere (another OS, mmap refused, {@code -Dspecdec.hugePages=false})
 * it allocates as {@link Arena#ofShared()} does.
 *
 * <p>Why: the weights are read in long streams every token, and on 4 KiB pages each page is a
 * TLB miss (a two-level walk in a virtual machine) and a restart for the hardware prefetcher.
 * GPT-2 124M on both cores decoded up to 25 % faster on huge pages (Q4_0 182–191 tok/s against
 * 154–184, f32 51 against 45–49; docs/benchmarks.md).
 */
public final class HugePageArena implements Arena {
    static final long PAGE = 2L << 20;
    /** Bytes mapped at a time: address space only until touched. */
    static final long CHUNK = 32 * PAGE;
    private static final MethodHandle MMAP, MADVISE, MUNMAP;

    static {
        boolean wanted = !"false".equalsIgnoreCase(System.getProperty("specdec.hugePages"));
        MMAP = wanted ? Libc.MMAP : null;
        MADVISE = wanted ? Libc.MADVISE : null;
        MUNMAP = wanted ? Libc.MUNMAP : null;
    }

    private final Arena owner = Arena.ofShared();
    private MemorySegment chunk;
    private long used;
    private boolean advised = true;

    /** Whether this JVM maps memory itself (Linux, with native access); otherwise the arena is a plain shared one. */
    public static boolean mapping() {
        return MMAP != null;
    }

    @Override
    public synchronized MemorySegment allocate(long byteSize, long byteAlignment) {
        if (byteSize < 0) throw new IllegalArgumentException("negative allocation size " + byteSize);
        if (byteAlignment <= 0 || Long.bitCount(byteAlignment) != 1) throw new IllegalArgumentException("alignment " + byteAlignment + " is not a power of two");
        if (!owner.scope().isAlive()) throw new IllegalStateException("Already closed");
        if (MMAP == null || byteAlignment > PAGE) return owner.allocate(byteSize, byteAlignment);
        long at = (used + byteAlignment - 1) & -byteAlignment;
        if (chunk == null || at + byteSize > chunk.byteSize()) {
            MemorySegment fresh = map(Math.max(CHUNK, (byteSize + PAGE - 1) & -PAGE));
            if (fresh == null) return owner.allocate(byteSize, byteAlignment);
            chunk = fresh;
            at = 0;
        }
        used = at + byteSize;
        return chunk.asSlice(at, byteSize);
    }

    /**
     * {@code bytes} (a multiple of {@link #PAGE}) of zeroed memory at a 2 MiB boundary, unmapped
     * when this arena closes; null when mmap refuses. A failed madvise leaves the memory on small
     * pages, which {@link #advised} records.
     */
    private MemorySegment map(long bytes) {
        long total = bytes + PAGE;
        try {
            MemorySegment raw = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, total, Libc.PROT_READ_WRITE, Libc.MAP_PRIVATE_ANONYMOUS, -1, 0L);
            if (raw.address() == -1L) return null;
            long base = raw.address(), start = (base + PAGE - 1) & -PAGE;
            MemorySegment s = MemorySegment.ofAddress(start).reinterpret(bytes, owner, ignored -> unmap(base, total));
            if ((int) MADVISE.invokeExact(s, bytes, Libc.MADV_HUGEPAGE) != 0) advised = false;
            return s;
        } catch (Throwable e) {
            return null;
        }
    }

    private static void unmap(long address, long bytes) {
        try {
            if ((int) MUNMAP.invokeExact(MemorySegment.ofAddress(address), bytes) != 0) throw new IllegalStateException("munmap of " + bytes + " bytes failed");
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether the kernel accepted the advice for every chunk so far (false also where none was mapped). */
    synchronized boolean advised() {
        return MMAP != null && chunk != null && advised;
    }

    @Override
    public MemorySegment.Scope scope() {
        return owner.scope();
    }

    @Override
    public void close() {
        owner.close();
    }
}
