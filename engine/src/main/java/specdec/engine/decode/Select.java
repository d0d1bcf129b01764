package specdec.engine.decode;

/** Order statistics on floats without sorting the whole array. */
final class Select {
    private Select() {}

    /**
     * The k-th largest of a[0, n) (k = 1: the maximum), leaving a as it was. For small k a
     * min-heap of the k largest seen: most entries lose one comparison against its root. The
     * heap is the first k floats of {@code scratch}; larger k go to {@link #kthSmallest}.
     */
    static float kthLargest(float[] a, int n, int k, float[] scratch) {
        if (k < 1 || k > n) throw new IllegalArgumentException("k = " + k + " outside [1, " + n + "]");
        if (k > 256) {
            System.arraycopy(a, 0, scratch, 0, n);
            return kthSmallest(scratch, n, n - k);
        }
        float[] h = scratch;
        System.arraycopy(a, 0, h, 0, k);
        for (int i = k / 2 - 1; i >= 0; i--) siftDown(h, k, i);
        for (int i = k; i < n; i++) {
            if (a[i] > h[0]) {
                h[0] = a[i];
                siftDown(h, k, 0);
            }
        }
        return h[0];
    }

    private static void siftDown(float[] h, int size, int i) {
        float v = h[i];
        while (true) {
            int c = 2 * i + 1;
            if (c >= size) break;
            if (c + 1 < size && h[c + 1] < h[c]) c++;
            if (h[c] >= v) break;
            h[i] = h[c];
            i = c;
        }
        h[i] = v;
    }

    /** Quickselect: the k-th smallest (k = 0: the minimum) of a[0, n) in expected linear time, reordering a. */
    static float kthSmallest(float[] a, int n, int k) {
        if (k < 0 || k >= n) throw new IllegalArgumentException("k = " + k + " outside [0, " + n + ")");
        int lo = 0, hi = n - 1;
        while (lo < hi) {
            // median of three as pivot: deterministic, and no quadratic case on sorted input
            int mid = (lo + hi) >>> 1;
            float pivot = median(a[lo], a[mid], a[hi]);
            int i = lo, j = hi;
            while (i <= j) {
                while (a[i] < pivot) i++;
                while (a[j] > pivot) j--;
                if (i <= j) {
                    float t = a[i];
                    a[i] = a[j];
                    a[j] = t;
                    i++;
                    j--;
                }
            }
            if (k <= j) hi = j;
            else if (k >= i) lo = i;
            else return a[k];
        }
        return a[k];
    }

    private static float median(float x, float y, float z) {
        return Math.max(Math.min(x, y), Math.min(Math.max(x, y), z));
    }
}
