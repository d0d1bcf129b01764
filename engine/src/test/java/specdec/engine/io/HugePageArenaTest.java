package specdec.engine.io;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class HugePageArenaTest {
    @Test
    void allocationsAreZeroedAlignedAndDisjointAcrossChunks() {
        List<MemorySegment> all = new ArrayList<>();
        try (HugePageArena arena = new HugePageArena()) {
            long[] sizes = {100, 3 << 20, 17, 24L << 20, 40L << 20, 5000, HugePageArena.CHUNK + 12345, 64};
            long[] aligns = {8, 64, 1, 4096, 64, HugePageArena.PAGE, 64, 4L * HugePageArena.PAGE};
            for (int i = 0; i < sizes.length; i++) {
                MemorySegment s = arena.allocate(sizes[i], aligns[i]);
                assertThat(s.byteSize()).isEqualTo(sizes[i]);
                assertThat(s.address() % aligns[i]).as("alignment %d", aligns[i]).isZero();
                assertThat(s.scope()).isEqualTo(arena.scope());
                for (long at : new long[] {0, sizes[i] / 2, sizes[i] - 1}) assertThat(s.get(ValueLayout.JAVA_BYTE, at)).isZero();
                s.set(ValueLayout.JAVA_BYTE, 0, (byte) (i + 1));
                s.set(ValueLayout.JAVA_BYTE, sizes[i] - 1, (byte) (i + 1));
                all.add(s);
            }
            for (int i = 0; i < all.size(); i++) {
                MemorySegment a = all.get(i);
                assertThat(a.get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) (i + 1));
                assertThat(a.get(ValueLayout.JAVA_BYTE, a.byteSize() - 1)).isEqualTo((byte) (i + 1));
                for (int j = i + 1; j < all.size(); j++) {
                    MemorySegment b = all.get(j);
                    boolean disjoint = a.address() + a.byteSize() <= b.address() || b.address() + b.byteSize() <= a.address();
                    assertThat(disjoint).as("segments %d and %d overlap", i, j).isTrue();
                }
            }
        }
        for (MemorySegment s : all) {
            assertThat(s.scope().isAlive()).isFalse();
            assertThatThrownBy(() -> s.get(ValueLayout.JAVA_BYTE, 0)).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void rejectsWhatArenaRejects() {
        HugePageArena arena = new HugePageArena();
        assertThatThrownBy(() -> arena.allocate(-1, 8)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> arena.allocate(64, 3)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> arena.allocate(64, 0)).isInstanceOf(IllegalArgumentException.class);
        arena.close();
        assertThatThrownBy(() -> arena.allocate(64, 8)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(arena::close).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void mapsWholeHugePagesAndAdvisesThemOnLinux() {
        assumeTrue(HugePageArena.mapping(), "no mmap here (not Linux, or -Dspecdec.hugePages=false)");
        assumeTrue(Files.exists(Path.of("/sys/kernel/mm/transparent_hugepage/enabled")), "kernel without transparent huge pages");
        try (HugePageArena arena = new HugePageArena()) {
            MemorySegment first = arena.allocate(1, 1);
            assertThat(first.address() % HugePageArena.PAGE).isZero();
            assertThat(arena.advised()).isTrue();
        }
    }

    @Test
    void reportsTheHugePageMode() {
        assertThat(OffHeap.transparentHugePages()).isIn("always", "madvise", "never", "unknown");
        assertThat(OffHeap.hugePageBytes()).isGreaterThanOrEqualTo(-1);
    }
}
