package specdec.engine.backend.cpu;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WorkerPoolTest {
    @Test
    void everyItemRunsExactlyOnceAcrossManyDispatches() {
        try (WorkerPool pool = new WorkerPool(4)) {
            for (int round = 0; round < 2000; round++) {
                int n = 1 + round % 97;
                AtomicIntegerArray hits = new AtomicIntegerArray(n);
                pool.run((s, e, w) -> {
                    assertThat(w).isBetween(0, 3);
                    for (int i = s; i < e; i++) hits.incrementAndGet(i);
                }, n, 1 + round % 5);
                for (int i = 0; i < n; i++) assertThat(hits.get(i)).as("round %d item %d", round, i).isEqualTo(1);
            }
        }
    }

    @Test
    void aFailingTaskSurfacesInTheCaller() {
        try (WorkerPool pool = new WorkerPool(2)) {
            assertThatThrownBy(() -> pool.run((s, e, w) -> {
                if (s >= 50) throw new IllegalStateException("boom");
            }, 100, 1)).isInstanceOf(IllegalStateException.class).hasMessage("boom");
            AtomicIntegerArray hits = new AtomicIntegerArray(10);
            pool.run((s, e, w) -> {
                for (int i = s; i < e; i++) hits.incrementAndGet(i);
            }, 10, 1);
            for (int i = 0; i < 10; i++) assertThat(hits.get(i)).isEqualTo(1);
        }
    }
}
