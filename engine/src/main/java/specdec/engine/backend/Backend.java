package specdec.engine.backend;

import specdec.engine.kv.KvCache;
import specdec.engine.tensor.WeightTensor;

/**
 * The operations a transformer forward needs. Models are written only against this interface;
 * a backend owns where activations, weights and the KV cache live. Every op works on the first
 * {@code T} rows of its tensors.
 */
public interface Backend extends AutoCloseable {
    String name();

    /** A zeroed activation tensor of {@code rows} x {@code cols}. */
    Tensor allocate(int rows, int cols);

    /** A cache of {@code capacity} positions per layer, each {@code kvDim} (kv heads x {@code headDim}) keys and values. */
    KvCache newKvCache(int layers, int capacity, int kvDim, int headDim);

    /** out[t] = table[tokens[offset + t]]. */
    void embed(Tensor out, WeightTensor table, int[] tokens, int offset, int T);

    /** x[t] += table[row0 + t] (learned position embeddings). */
    void addRows(Tensor x, WeightTensor table, int row0, int T);

    /** out[t] = W in[t] for a weight W of [out features, in features]. */
    void matmul(Tensor out, Tensor in, WeightTensor w, int T);

    /**
     * out[i][t] = w[i] in[t] for each i: matrices that read the same input (attention's q, k and
     * v; an MLP's gate and up), which a backend may run as one operation.
     */
    default void matmuls(Tensor[] out, Tensor in, WeightTensor[] w, int T) {
        for (int i = 0; i < w.length; i++) matmul(out[i], in, w[i], T);
    }

    /** x[t] += bias. */
    void addBias(Tensor x, WeightTensor bias, int T);

    /** x[t] += y[t]. */
    void add(Tensor x, Tensor y, int T);

    void layerNorm(Tensor out, Tensor in, WeightTensor gamma, WeightTensor beta, float eps, int T);

    void rmsNorm(Tensor out, Tensor in, WeightTensor gamma, float eps, int T);

    /**
     * Rotates each head of x in place, rotate-half layout: dims i and i + headDim/2 form a pair,
     * turned by angle (pos0 + t) * invFreq[i].
     */
    void rope(Tensor x, int heads, int headDim, float[] invFreq, int pos0, int T);

    /** Writes k[t], v[t] at cache positions pos0 + t of {@code layer}. */
    void storeKv(KvCache cache, int layer, Tensor k, Tensor v, int pos0, int T);

    /**
     * Causal attention: query t (at position pos0 + t) attends to cached positions 0..pos0 + t.
     * Query head h reads kv head h / (heads / kvHeads).
     */
    void attention(Tensor out, Tensor q, KvCache cache, int layer, int pos0, int T,
                   int heads, int kvHeads, int headDim, float scale);

    void activate(Tensor x, Activation fn, int T);

    /** gate[t] = silu(gate[t]) * up[t]. */
    void siluMul(Tensor gate, Tensor up, int T);

    /** dst rows [dstRow, dstRow + count) = src rows [srcRow, srcRow + count). */
    void copyRows(Tensor dst, int dstRow, Tensor src, int srcRow, int count);

    /** Copies the first T rows to {@code dst[offset..]}. */
    void toHost(Tensor x, int T, float[] dst, int offset);

    @Override
    void close();
}
