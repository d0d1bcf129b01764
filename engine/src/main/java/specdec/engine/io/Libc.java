package specdec.engine.io;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.Locale;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The C library's memory-mapping calls, bound once through FFM, on Linux only (the flag values
 * below are Linux's): {@link HugePageArena} maps and advises its chunks with them, the tensor
 * package's prefetch maps its routine. All null where they could not be bound.
 */
public final class Libc {
    public static final int PROT_READ_WRITE = 3, PROT_READ_EXEC = 5, MAP_PRIVATE_ANONYMOUS = 0x22, MADV_HUGEPAGE = 14;
    /** {@code void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset)}. */
    public static final MethodHandle MMAP;
    /** {@code int munmap(void *addr, size_t length)}. */
    public static final MethodHandle MUNMAP;
    /** {@code int madvise(void *addr, size_t length, int advice)}. */
    public static final MethodHandle MADVISE;
    /** {@code int mprotect(void *addr, size_t length, int prot)}. */
    public static final MethodHandle MPROTECT;

    static {
        MethodHandle mmap = null, munmap = null, madvise = null, mprotect = null;
        if (System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            try {
                Linker linker = Linker.nativeLinker();
                SymbolLookup libc = linker.defaultLookup();
                mmap = linker.downcallHandle(libc.find("mmap").orElseThrow(),
                        FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
                munmap = linker.downcallHandle(libc.find("munmap").orElseThrow(), FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
                madvise = linker.downcallHandle(libc.find("madvise").orElseThrow(), FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
                mprotect = linker.downcallHandle(libc.find("mprotect").orElseThrow(), FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
            } catch (RuntimeException | LinkageError e) {
                mmap = munmap = madvise = mprotect = null;
            }
        }
        MMAP = mmap;
        MUNMAP = munmap;
        MADVISE = madvise;
        MPROTECT = mprotect;
    }

    private Libc() {
    }
}
