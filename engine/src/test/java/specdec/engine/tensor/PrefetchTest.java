package specdec.engine.tensor;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The prefetch routine: where it is on, what the property takes, and that no address makes it fault. */
class PrefetchTest {

    private static boolean linuxX64() {
        return Prefetch.unsupported(System.getProperty("os.name"), System.getProperty("os.arch")) == null;
    }

    @Test
    void distanceFromTheProperty() {
        assertThat(Prefetch.distance(null)).isEqualTo(2048);
        assertThat(Prefetch.distance(" ")).isEqualTo(2048);
        assertThat(Prefetch.distance("0")).isZero();
        assertThat(Prefetch.distance(" 8192 ")).isEqualTo(8192);
        assertThatThrownBy(() -> Prefetch.distance("4k")).hasMessage("specdec.prefetch=4k is not a number of bytes");
        assertThatThrownBy(() -> Prefetch.distance("-64")).hasMessageContaining("specdec.prefetch=-64 is outside");
        assertThatThrownBy(() -> Prefetch.distance("99999999")).hasMessageContaining("outside 0 .. 16777216");
    }

    @Test
    void onlyLinuxOnX64() {
        assertThat(Prefetch.unsupported("Linux", "amd64")).isNull();
        assertThat(Prefetch.unsupported("Linux", "x86_64")).isNull();
        assertThat(Prefetch.unsupported("Linux", "aarch64")).isEqualTo("not on x86-64: aarch64");
        assertThat(Prefetch.unsupported("Mac OS X", "x86_64")).isEqualTo("not on Linux: Mac OS X");
        assertThat(Prefetch.unsupported("Windows 11", "amd64")).startsWith("not on Linux");
    }

    @Test
    void onHereByDefault() {
        assumeTrue(linuxX64(), "the routine is x86-64 Linux only");
        assumeTrue(System.getProperty("specdec.prefetch") == null, "run with its default");
        assertThat(Prefetch.enabled()).as(Prefetch.status()).isTrue();
        assertThat(Prefetch.status()).isEqualTo("2048 bytes ahead");
        assertThat(Prefetch.DISTANCE).isEqualTo(2048);
    }

    @Test
    void statusSaysWhyWhenOff() {
        if (Prefetch.enabled()) {
            assertThat(Prefetch.status().toLowerCase(Locale.ROOT)).endsWith("bytes ahead");
        } else {
            assertThat(Prefetch.status()).startsWith("off (");
        }
    }

    /**
     * A prefetch never faults: ranges past a segment's end, at address 0, in unmapped memory and
     * in kernel space return normally, through both routines (a fault would end the JVM, a wrong
     * call shape would throw).
     */
    @Test
    void anyAddressIsHarmless() {
        assumeTrue(Prefetch.enabled(), "the routine is off here: " + Prefetch.status());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(4096, 64);
            assertThatCode(() -> {
                Prefetch.ahead(s, 0, 64);
                Prefetch.ahead(s, s.byteSize(), 1000);
                Prefetch.ahead(s, 0, 0);
                Prefetch.ahead(MemorySegment.NULL, 0, 8);
                Prefetch.ahead(MemorySegment.NULL, -Prefetch.DISTANCE, 8);
                Prefetch.ahead(MemorySegment.ofAddress(0x7ff0_0000_0000L), 0, 256);
                Prefetch.ahead(MemorySegment.ofAddress(0xffff_8000_0000_0000L), 0, 16);
                Prefetch.ahead(s, s, 0, 64);
                Prefetch.ahead(s, MemorySegment.NULL, s.byteSize(), 100);
                Prefetch.ahead(MemorySegment.ofAddress(0x7ff0_0000_0000L), MemorySegment.ofAddress(0xffff_8000_0000_0000L), 0, 16);
                Prefetch.ahead(s, s, 0, 0);
            }).doesNotThrowAnyException();
        }
    }
}
