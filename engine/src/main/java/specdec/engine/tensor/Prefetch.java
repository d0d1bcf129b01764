package specdec.engine.tensor;

import specdec.engine.io.Libc;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Locale;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Software prefetch of the weight streams, a fixed distance ahead of the passes that read them.
 * Java has no prefetch instruction, and a plain load ahead is no substitute: it holds its place
 * in the reorder buffer until memory answers. A pass with five inputs runs so many fmas per cache
 * line that the reorder window covers too little of the stream, and reading and arithmetic added
 * up (Q8_0's five-input pass ran from memory at about 60 % of its rate in cache; see
 * docs/benchmarks.md, session 17). So: an 18-byte x86-64 routine, {@code prefetcht0} over n lines
 * (and a 25-byte one over two ranges, for the one-input passes' two tiles), mapped executable
 * once per process and called through a critical FFM downcall (no thread-state change, a few
 * ns). A prefetch never faults, whatever the address, so a range past a matrix's
 * end is harmless, and it changes no result, only when the bytes arrive.
 *
 * <p>Only on Linux x86-64 (the System V calling convention, {@code mmap}/{@code mprotect} from
 * the C library); elsewhere, or where the system refuses executable memory, it is off and the
 * passes run as before. The calls sit where a pass holds no vector in a register (a quantised
 * block's start): every vector register is the callee's to overwrite.
 *
 * <p>System property {@code specdec.prefetch}: bytes ahead (default 2048), 0 to turn it off.
 */
public final class Prefetch {
    /** Bytes ahead of the offset a pass is at; 0 when off. */
    static final long DISTANCE;
    private static final MethodHandle STUB;
    /** The same over two ranges at once, for the one-input passes' two tiles: one call where there were two. */
    private static final MethodHandle STUB2;
    private static final String STATUS;

    /*
     *  0: 48 85 f6        test rsi, rsi
     *  3: 74 0c           jz   17
     *  5: 0f 18 0f        prefetcht0 [rdi]
     *  8: 48 83 c7 40     add  rdi, 64
     * 12: 48 ff ce        dec  rsi
     * 15: 75 f4           jnz  5
     * 17: c3              ret
     */
    private static final byte[] CODE = {
            0x48, (byte) 0x85, (byte) 0xf6, 0x74, 0x0c, 0x0f, 0x18, 0x0f, 0x48, (byte) 0x83, (byte) 0xc7, 0x40,
            0x48, (byte) 0xff, (byte) 0xce, 0x75, (byte) 0xf4, (byte) 0xc3};

    /*
     *  0: 48 85 d2        test rdx, rdx
     *  3: 74 13           jz   24
     *  5: 0f 18 0f        prefetcht0 [rdi]
     *  8: 0f 18 0e        prefetcht0 [rsi]
     * 11: 48 83 c7 40     add  rdi, 64
     * 15: 48 83 c6 40     add  rsi, 64
     * 19: 48 ff ca        dec  rdx
     * 22: 75 ed           jnz  5
     * 24: c3              ret
     */
    private static final byte[] CODE2 = {
            0x48, (byte) 0x85, (byte) 0xd2, 0x74, 0x13, 0x0f, 0x18, 0x0f, 0x0f, 0x18, 0x0e, 0x48, (byte) 0x83, (byte) 0xc7, 0x40,
            0x48, (byte) 0x83, (byte) 0xc6, 0x40, 0x48, (byte) 0xff, (byte) 0xca, 0x75, (byte) 0xed, (byte) 0xc3};

    static {
        long distance = 0;
        MethodHandle stub = null, stub2 = null;
        String status;
        try {
            distance = distance(System.getProperty("specdec.prefetch"));
            if (distance == 0) {
                status = "off (specdec.prefetch=0)";
            } else {
                String why = unsupported(System.getProperty("os.name", ""), System.getProperty("os.arch", ""));
                if (why != null) {
                    status = "off (" + why + ")";
                } else {
                    MethodHandle[] both = map();
                    stub = both[0];
                    stub2 = both[1];
                    status = distance + " bytes ahead";
                }
            }
        } catch (IllegalArgumentException e) {
            status = "off (" + e.getMessage() + ")";
        } catch (Throwable e) { // map() failed: nothing was assigned
            status = "off (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")";
        }
        STUB = stub;
        STUB2 = stub2;
        DISTANCE = stub == null ? 0 : distance;
        STATUS = status;
    }

    private Prefetch() {
    }

    /** Whether the passes prefetch. */
    public static boolean enabled() {
        return STUB != null;
    }

    /** "N bytes ahead", or "off (why)". */
    public static String status() {
        return STATUS;
    }

    /** The property's value as a distance in bytes: null means the default (2048). */
    static long distance(String value) {
        if (value == null || value.isBlank()) return 2048;
        long d;
        try {
            d = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("specdec.prefetch=" + value + " is not a number of bytes");
        }
        if (d < 0 || d > (1 << 24)) throw new IllegalArgumentException("specdec.prefetch=" + value + " is outside 0 .. 16777216 bytes");
        return d;
    }

    /** Why this platform gets no stub, or null. */
    static String unsupported(String os, String arch) {
        if (!os.toLowerCase(Locale.ROOT).startsWith("linux")) return "not on Linux: " + os;
        if (!arch.equals("amd64") && !arch.equals("x86_64")) return "not on x86-64: " + arch;
        return null;
    }

    /** The routines in a page of their own: written, then made read-and-execute only. */
    private static MethodHandle[] map() throws Throwable {
        if (Libc.MMAP == null) throw new IllegalStateException("no mmap from the C library");
        long page = 4096;
        MemorySegment at = (MemorySegment) Libc.MMAP.invokeExact(MemorySegment.NULL, page, Libc.PROT_READ_WRITE, Libc.MAP_PRIVATE_ANONYMOUS, -1, 0L);
        if (at.address() == -1L || at.address() == 0L) throw new IllegalStateException("mmap refused a page");
        MemorySegment code = at.reinterpret(page);
        MemorySegment.copy(MemorySegment.ofArray(CODE), 0, code, 0, CODE.length);
        MemorySegment.copy(MemorySegment.ofArray(CODE2), 0, code, 64, CODE2.length);
        if ((int) Libc.MPROTECT.invokeExact(at, page, Libc.PROT_READ_EXEC) != 0) throw new IllegalStateException("mprotect refused PROT_EXEC");
        Linker linker = Linker.nativeLinker();
        return new MethodHandle[] {
                linker.downcallHandle(code, FunctionDescriptor.ofVoid(JAVA_LONG, JAVA_LONG), Linker.Option.critical(false)),
                linker.downcallHandle(code.asSlice(64), FunctionDescriptor.ofVoid(JAVA_LONG, JAVA_LONG, JAVA_LONG), Linker.Option.critical(false))};
    }

    /** Cache lines that a range of {@code bytes} can touch, starting anywhere. */
    static long lines(long bytes) {
        return bytes / 64 + 1;
    }

    /** Prefetch {@code lines} cache lines from {@link #DISTANCE} bytes past {@code offset} in s (no-op when off). */
    static void ahead(MemorySegment s, long offset, long lines) {
        if (STUB == null) return;
        try {
            STUB.invokeExact(s.address() + offset + DISTANCE, lines);
        } catch (Throwable e) {
            throw new IllegalStateException("prefetch", e);
        }
    }

    /** {@link #ahead} in s and in t at once. */
    static void ahead(MemorySegment s, MemorySegment t, long offset, long lines) {
        if (STUB2 == null) return;
        try {
            STUB2.invokeExact(s.address() + offset + DISTANCE, t.address() + offset + DISTANCE, lines);
        } catch (Throwable e) {
            throw new IllegalStateException("prefetch", e);
        }
    }
}
