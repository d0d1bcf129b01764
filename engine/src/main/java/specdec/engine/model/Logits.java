package specdec.engine.model;

/**
 * Logits of the last forward: {@code rows()} positions x {@code vocab()} floats, row-major.
 * Owned by the model and overwritten by its next forward.
 */
public final class Logits {
    private float[] data = new float[0];
    private final int vocab;
    private int rows;

    public Logits(int vocab) {
        this.vocab = vocab;
    }

    /** Makes room for {@code rows} positions; grows only, so steady decoding allocates nothing. */
    public float[] reset(int rows) {
        long need = (long) rows * vocab;
        if (need > Integer.MAX_VALUE - 8) throw new IllegalArgumentException(rows + " x " + vocab + " logits do not fit one array");
        if (data.length < need) data = new float[(int) need];
        this.rows = rows;
        return data;
    }

    public int rows() {
        return rows;
    }

    public int vocab() {
        return vocab;
    }

    /** The backing array; row t starts at {@link #offset(int)}. */
    public float[] data() {
        return data;
    }

    public int offset(int row) {
        if (row < 0 || row >= rows) throw new IndexOutOfBoundsException("row " + row + " of " + rows);
        return row * vocab;
    }

    public float get(int row, int token) {
        return data[offset(row) + token];
    }

    /** A copy of one row, for tests and tools (not for the decoding loop). */
    public float[] row(int row) {
        float[] r = new float[vocab];
        System.arraycopy(data, offset(row), r, 0, vocab);
        return r;
    }
}
