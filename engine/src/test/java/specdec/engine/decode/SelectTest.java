package specdec.engine.decode;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class SelectTest {
    @Test
    void kthSmallestAgreesWithSortingForManyShapes() {
        Random rng = new Random(4);
        for (int trial = 0; trial < 300; trial++) {
            int n = 1 + rng.nextInt(trial < 100 ? 12 : 3000);
            float[] a = new float[n];
            int distinct = 1 + rng.nextInt(n + 1);
            for (int i = 0; i < n; i++) a[i] = rng.nextInt(distinct) - distinct / 2f;
            if (trial % 7 == 0) Arrays.sort(a);
            float[] sorted = a.clone();
            Arrays.sort(sorted);
            int k = rng.nextInt(n);
            assertThat(Select.kthSmallest(a.clone(), n, k)).as("trial %d n=%d k=%d", trial, n, k).isEqualTo(sorted[k]);
            int top = 1 + rng.nextInt(trial % 3 == 0 ? n : Math.min(n, 300));
            float[] before = a.clone();
            assertThat(Select.kthLargest(a, n, top, new float[n])).as("trial %d n=%d top %d", trial, n, top).isEqualTo(sorted[n - top]);
            assertThat(a).isEqualTo(before);
        }
    }
}
