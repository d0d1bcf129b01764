package specdec.engine.kv;

import org.junit.jupiter.api.Test;
import specdec.engine.backend.cpu.CpuBackend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KvCacheTest {
    @Test
    void rollbackOnlyMovesTheLength() {
        try (CpuBackend b = new CpuBackend(1); KvCache c = b.newKvCache(2, 8, 4, 2)) {
            c.advance(5);
            assertThat(c.length()).isEqualTo(5);
            c.rollback(2);
            assertThat(c.length()).isEqualTo(2);
            c.advance(6);
            assertThat(c.length()).isEqualTo(8);
            assertThatThrownBy(() -> c.rollback(9)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> c.rollback(-1)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void writingPastCapacityIsAClearError() {
        try (CpuBackend b = new CpuBackend(1); KvCache c = b.newKvCache(1, 4, 2, 1)) {
            c.advance(3);
            assertThatThrownBy(() -> c.checkRoom(2)).isInstanceOf(ContextFullException.class)
                    .hasMessageContaining("3 cached + 2 new positions exceed the capacity of 4");
            assertThat(c.length()).isEqualTo(3);
        }
    }
}
