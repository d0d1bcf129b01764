package specdec.engine.decode;

/** Quickselect on floats: the k-th smallest of a[0, n) in expected linear time, reordering a. */
final class Select {
    private Select() {}

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
