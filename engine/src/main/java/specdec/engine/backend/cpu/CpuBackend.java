package specdec.engine.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import specdec.engine.backend.Activation;
import specdec.engine.backend.Backend;
import specdec.engine.backend.Tensor;
import specdec.engine.kv.KvCache;
import specdec.engine.tensor.Lanes;
import specdec.engine.tensor.WeightTensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The pure-Java backend: Vector API lanes, weight rows split across a persistent worker pool.
 * Tasks are method references made once; an op sets fields and dispatches, so the per-token
 * path allocates nothing. One thread drives a backend at a time.
 */
public final class CpuBackend implements Backend {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private final WorkerPool pool;

    // matmul arguments, read by matmulRange on every worker
    /** Matrices that one dispatch multiplies the same input by, at most. */
    private static final int MATMULS = 4;
    private float[] mmIn;
    private final float[][] mmOut = new float[MATMULS][];
    private final WeightTensor[] mmW = new WeightTensor[MATMULS];
    // matrix i's rows are items [mmStart[i], mmStart[i + 1]) of the dispatch, padded to whole row groups
    private final int[] mmStart = new int[MATMULS + 1];
    private int mmCount, mmT;
    // per worker: the inputs as matrix mmPreparedFor's kernels read them, made once per matrix of
    // a dispatch (op mmOp), not per range
    private final float[][] mmPrepared;
    private final long[] mmPreparedOp;
    private final int[] mmPreparedFor;
    private long mmOp;
    private final WorkerPool.RangeTask matmulTask = this::matmulRange;

    // attention arguments
    private float[] atQ;
    private float[] atOut;
    private CpuKvCache atCache;
    private int atLayer, atPos0, atHeads, atT, atGroup, atHeadDim, atQCols;
    private float atScale;
    /** Per worker, a score row for each of up to {@link #QUERIES} queries taken together. */
    private float[][][] scores = new float[0][][];
    /** Queries of one head that attention takes in one pass over its keys and values. */
    private static final int QUERIES = 4;
    private final WorkerPool.RangeTask attentionTask = this::attentionRange;

    // pointwise arguments (an activation, or SiLU(a) * b when pwFn is null)
    private Activation pwFn;
    private float[] pwA, pwB;
    private int pwCols;
    private final WorkerPool.RangeTask pointwiseTask = this::pointwiseRange;

    private float[] vecScratch = new float[0];
    private float[] cos = new float[0];
    private float[] sin = new float[0];

    public CpuBackend(int threads) {
        this.pool = new WorkerPool(threads);
        this.mmPrepared = new float[threads][];
        this.mmPreparedOp = new long[threads];
        this.mmPreparedFor = new int[threads];
    }

    public CpuBackend() {
        this(Runtime.getRuntime().availableProcessors());
    }

    @Override
    public String name() {
        return "cpu (" + pool.threads() + " threads, " + F.vectorBitSize() + "-bit vectors)";
    }

    private static CpuTensor cpu(Tensor t) {
        return (CpuTensor) t;
    }

    @Override
    public Tensor allocate(int rows, int cols) {
        return new CpuTensor(rows, cols);
    }

    @Override
    public KvCache newKvCache(int layers, int capacity, int kvDim, int headDim) {
        return new CpuKvCache(layers, capacity, kvDim, headDim);
    }

    @Override
    public void embed(Tensor out, WeightTensor table, int[] tokens, int offset, int T) {
        CpuTensor o = cpu(out);
        int d = table.cols();
        for (int t = 0; t < T; t++) table.decode((long) tokens[offset + t] * d, o.data(), t * o.cols(), d);
    }

    @Override
    public void addRows(Tensor x, WeightTensor table, int row0, int T) {
        CpuTensor o = cpu(x);
        int d = table.cols();
        float[] row = scratch(d);
        for (int t = 0; t < T; t++) {
            table.decode((long) (row0 + t) * d, row, 0, d);
            addInto(o.data(), t * o.cols(), row, 0, d);
        }
    }

    @Override
    public void matmul(Tensor out, Tensor in, WeightTensor w, int T) {
        CpuTensor x = cpu(in);
        mmW[0] = w;
        mmOut[0] = checked(out, x, w, T);
        mmCount = 1;
        dispatchMatmuls(x.data(), T, w.rowGroup());
    }

    /** One dispatch for them all (up to four matrices whose row groups divide each other's): one wait for the threads, not one each. */
    @Override
    public void matmuls(Tensor[] out, Tensor in, WeightTensor[] w, int T) {
        if (out.length != w.length) throw new IllegalArgumentException(out.length + " outputs for " + w.length + " matrices");
        int group = 1;
        for (WeightTensor m : w) group = Math.max(group, m.rowGroup());
        boolean together = w.length <= MATMULS;
        for (WeightTensor m : w) together &= group % m.rowGroup() == 0;
        if (!together) {
            for (int i = 0; i < w.length; i++) matmul(out[i], in, w[i], T);
            return;
        }
        CpuTensor x = cpu(in);
        for (int i = 0; i < w.length; i++) {
            mmW[i] = w[i];
            mmOut[i] = checked(out[i], x, w[i], T);
        }
        mmCount = w.length;
        dispatchMatmuls(x.data(), T, group);
    }

    private static float[] checked(Tensor out, CpuTensor x, WeightTensor w, int T) {
        CpuTensor o = cpu(out);
        if (x.cols() != w.cols() || o.cols() != w.rows()) {
            throw new IllegalArgumentException("matmul " + w + " with in [" + T + ", " + x.cols() + "] out [" + T + ", " + o.cols() + "]");
        }
        return o.data();
    }

    /** mmW[0 .. mmCount) times x over the pool, pieces of whole groups of rows (a multiple of each matrix's row group). */
    private void dispatchMatmuls(float[] x, int T, int group) {
        mmIn = x;
        mmT = T;
        mmOp++;
        int n = 0;
        for (int i = 0; i < mmCount; i++) {
            mmStart[i] = n;
            n += (mmW[i].rows() + group - 1) / group * group;
        }
        mmStart[mmCount] = n;
        pool.run(matmulTask, n, (pool.grainFor(n, 16) + group - 1) / group * group);
        mmIn = null;
        for (int i = 0; i < mmCount; i++) {
            mmOut[i] = null;
            mmW[i] = null;
        }
    }

    private void matmulRange(int j0, int j1, int worker) {
        for (int i = 0; i < mmCount; i++) {
            WeightTensor w = mmW[i];
            int from = Math.max(j0, mmStart[i]) - mmStart[i], to = Math.min(Math.min(j1, mmStart[i + 1]) - mmStart[i], w.rows());
            if (from >= to) continue;
            if (mmPreparedOp[worker] != mmOp || mmPreparedFor[worker] != i) { // this worker's first range of matrix i in the op
                mmPrepared[worker] = w.prepare(mmIn, w.cols(), mmT);
                mmPreparedOp[worker] = mmOp;
                mmPreparedFor[worker] = i;
            }
            float[] in = mmPrepared[worker];
            w.matmulPrepared(in, w.preparedStride(in, mmIn, w.cols()), mmT, mmOut[i], w.rows(), from, to);
        }
    }

    @Override
    public void addBias(Tensor x, WeightTensor bias, int T) {
        CpuTensor o = cpu(x);
        int d = bias.cols();
        float[] b = scratch(d);
        bias.decode(0, b, 0, d);
        for (int t = 0; t < T; t++) addInto(o.data(), t * o.cols(), b, 0, d);
    }

    @Override
    public void add(Tensor x, Tensor y, int T) {
        CpuTensor a = cpu(x), b = cpu(y);
        for (int t = 0; t < T; t++) addInto(a.data(), t * a.cols(), b.data(), t * b.cols(), a.cols());
    }

    private static void addInto(float[] a, int aOff, float[] b, int bOff, int n) {
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += F.length()) {
            FloatVector.fromArray(F, a, aOff + i).add(FloatVector.fromArray(F, b, bOff + i)).intoArray(a, aOff + i);
        }
        for (; i < n; i++) a[aOff + i] += b[bOff + i];
    }

    private float[] scratch(int n) {
        if (vecScratch.length < 2 * n) vecScratch = new float[2 * n];
        return vecScratch;
    }

    private static float sum(float[] a, int off, int n) {
        int bound = F.loopBound(n);
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i < bound; i += F.length()) acc = acc.add(FloatVector.fromArray(F, a, off + i));
        float s = Lanes.sum(acc);
        for (; i < n; i++) s += a[off + i];
        return s;
    }

    private static float sumSquares(float[] a, int off, int n, float shift) {
        int bound = F.loopBound(n);
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i < bound; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, a, off + i).sub(shift);
            acc = v.fma(v, acc);
        }
        float s = Lanes.sum(acc);
        for (; i < n; i++) {
            float v = a[off + i] - shift;
            s += v * v;
        }
        return s;
    }

    @Override
    public void layerNorm(Tensor out, Tensor in, WeightTensor gamma, WeightTensor beta, float eps, int T) {
        CpuTensor o = cpu(out), x = cpu(in);
        int d = x.cols();
        float[] gb = scratch(d);
        gamma.decode(0, gb, 0, d);
        beta.decode(0, gb, d, d);
        for (int t = 0; t < T; t++) {
            int off = t * d;
            float mean = sum(x.data(), off, d) / d;
            float var = sumSquares(x.data(), off, d, mean) / d;
            float rstd = (float) (1.0 / Math.sqrt(var + eps));
            float[] xs = x.data(), os = o.data();
            int bound = F.loopBound(d);
            int i = 0;
            for (; i < bound; i += F.length()) {
                FloatVector v = FloatVector.fromArray(F, xs, off + i).sub(mean).mul(rstd);
                v.fma(FloatVector.fromArray(F, gb, i), FloatVector.fromArray(F, gb, d + i)).intoArray(os, off + i);
            }
            for (; i < d; i++) os[off + i] = (xs[off + i] - mean) * rstd * gb[i] + gb[d + i];
        }
    }

    @Override
    public void rmsNorm(Tensor out, Tensor in, WeightTensor gamma, float eps, int T) {
        CpuTensor o = cpu(out), x = cpu(in);
        int d = x.cols();
        float[] g = scratch(d);
        gamma.decode(0, g, 0, d);
        for (int t = 0; t < T; t++) {
            int off = t * d;
            float ms = sumSquares(x.data(), off, d, 0f) / d;
            float r = (float) (1.0 / Math.sqrt(ms + eps));
            float[] xs = x.data(), os = o.data();
            int bound = F.loopBound(d);
            int i = 0;
            for (; i < bound; i += F.length()) {
                FloatVector.fromArray(F, xs, off + i).mul(r).mul(FloatVector.fromArray(F, g, i)).intoArray(os, off + i);
            }
            for (; i < d; i++) os[off + i] = g[i] * (xs[off + i] * r);
        }
    }

    @Override
    public void rope(Tensor x, int heads, int headDim, float[] invFreq, int pos0, int T) {
        CpuTensor o = cpu(x);
        int half = headDim / 2;
        if (cos.length < half) {
            cos = new float[half];
            sin = new float[half];
        }
        float[] a = o.data();
        for (int t = 0; t < T; t++) {
            float pos = pos0 + t;
            for (int i = 0; i < half; i++) {
                // float product, as HF computes the angle, so long contexts round the same way
                float angle = pos * invFreq[i];
                cos[i] = (float) Math.cos(angle);
                sin[i] = (float) Math.sin(angle);
            }
            for (int h = 0; h < heads; h++) {
                int base = t * o.cols() + h * headDim;
                for (int i = 0; i < half; i++) {
                    float x0 = a[base + i], x1 = a[base + half + i];
                    a[base + i] = x0 * cos[i] - x1 * sin[i];
                    a[base + half + i] = x1 * cos[i] + x0 * sin[i];
                }
            }
        }
    }

    @Override
    public void storeKv(KvCache cache, int layer, Tensor k, Tensor v, int pos0, int T) {
        CpuKvCache c = (CpuKvCache) cache;
        CpuTensor kt = cpu(k), vt = cpu(v);
        int d = c.kvDim(), hd = c.headDim;
        MemorySegment keys = c.keys[layer];
        float[] kd = kt.data();
        long dimStep = (long) CpuKvCache.BLOCK * Float.BYTES; // from one dimension of a key block to the next
        for (int t = 0; t < T; t++) {
            for (int h = 0; h < d / hd; h++) {
                int from = t * kt.cols() + h * hd;
                long at = c.keyAt(h, pos0 + t);
                for (int i = 0; i < hd; i++) keys.set(ValueLayout.JAVA_FLOAT, at + i * dimStep, kd[from + i]);
                MemorySegment.copy(vt.data(), t * vt.cols() + h * hd, c.values[layer], ValueLayout.JAVA_FLOAT, c.valueAt(h, pos0 + t), hd);
            }
        }
    }

    @Override
    public void attention(Tensor out, Tensor q, KvCache cache, int layer, int pos0, int T,
                          int heads, int kvHeads, int headDim, float scale) {
        CpuKvCache c = (CpuKvCache) cache;
        if (headDim != c.headDim || kvHeads * headDim != c.kvDim()) {
            throw new IllegalArgumentException("attention over " + kvHeads + " kv heads of " + headDim + " on a cache of " + c.kvDim() + " per position in heads of " + c.headDim);
        }
        int threads = pool.threads();
        // a query's scores come a key block at a time: room for the last block whole
        int room = c.blocks * CpuKvCache.BLOCK;
        if (scores.length < threads || scores[0][0].length < room) scores = new float[threads][QUERIES][room];
        atQ = cpu(q).data();
        atQCols = cpu(q).cols();
        atOut = cpu(out).data();
        atCache = c;
        atLayer = layer;
        atPos0 = pos0;
        atHeads = heads;
        atT = T;
        atGroup = heads / kvHeads;
        atHeadDim = headDim;
        atScale = scale;
        // Items head after head, a head's T queries in a row, and each thread an equal run of them
        // (whole heads, the same whatever T, where the threads divide the heads): a run's queries
        // of one head go over its cached rows together, four at a time, and a one-token step after
        // a verification finds them where the verification left them (head by head but one item
        // at a time, a one-token step after it measured slower; docs/benchmarks.md).
        pool.run(attentionTask, heads * T, (heads * T + threads - 1) / threads);
        atQ = null;
        atOut = null;
        atCache = null;
    }

    // The per-position work is in small methods: run without on-stack replacement (see
    // docs/benchmarks.md), a long loop only gets compiled code through the methods it calls, and
    // a first prefill over a long prompt would otherwise run its attention interpreted.
    private void attentionRange(int start, int end, int worker) {
        for (int item = start; item < end; ) {
            int t = item % atT, n = Math.min(QUERIES, Math.min(end - item, atT - t));
            if (n == 1) attendOne(item / atT, t, scores[worker][0]);
            else attendMany(item / atT, t, n, scores[worker]);
            item += n;
        }
    }

    /** Query t of head h. */
    private void attendOne(int h, int t, float[] sc) {
        int hd = atHeadDim, kvh = h / atGroup, last = atPos0 + t, qOff = t * atQCols + h * hd;
        MemorySegment keys = atCache.keys[atLayer];
        long blockBytes = (long) hd * CpuKvCache.BLOCK * Float.BYTES, keyOff = atCache.keyBlockAt(kvh, 0);
        // whole blocks: the lanes past the last position get scores the softmax never reads
        int s = 0;
        for (; s + 2 * CpuKvCache.BLOCK <= last + 1; s += 2 * CpuKvCache.BLOCK, keyOff += 2 * blockBytes) {
            blockScores2(keys, keyOff, blockBytes, atQ, qOff, hd, sc, s);
        }
        for (; s <= last; s += CpuKvCache.BLOCK, keyOff += blockBytes) blockScores(keys, keyOff, atQ, qOff, hd, sc, s);
        float inv = 1f / softmaxWeights(sc, last + 1, atScale);
        weightedValues(h, t, sc, inv, last);
    }

    /**
     * Queries t0 .. t0 + n - 1 (n of 2 to {@link #QUERIES}) of head h in one pass over the keys and
     * one over the values, each key and value vector loaded once for all of them. Every query's
     * result is the bits {@link #attendOne} gives it: its scores the same fmas; its softmax over
     * its own positions; and over the values the same chain, where the positions past its own
     * last (the later queries' new tokens, all written, so finite) come in with weight 0, which
     * leaves a sum started from +0 as it was.
     */
    private void attendMany(int h, int t0, int n, float[][] sc) {
        int hd = atHeadDim, kvh = h / atGroup, last = atPos0 + t0 + n - 1;
        int q0 = t0 * atQCols + h * hd, q1 = q0 + atQCols, q2 = q0 + Math.min(2, n - 1) * atQCols, q3 = q0 + (n - 1) * atQCols;
        MemorySegment keys = atCache.keys[atLayer];
        long blockBytes = (long) hd * CpuKvCache.BLOCK * Float.BYTES, keyOff = atCache.keyBlockAt(kvh, 0);
        for (int s = 0; s <= last; s += CpuKvCache.BLOCK, keyOff += blockBytes) {
            // with fewer than four queries the last one's offset stands in for the missing ones, its rows written twice
            blockScores4(keys, keyOff, atQ, q0, q1, q2, q3, hd, sc[0], sc[1], sc[Math.min(2, n - 1)], sc[n - 1], s);
        }
        if (hd % (4 * F.length()) != 0) {
            for (int i = 0; i < n; i++) {
                int own = atPos0 + t0 + i;
                weightedValues(h, t0 + i, sc[i], 1f / softmaxWeights(sc[i], own + 1, atScale), own);
            }
            return;
        }
        float i0 = 0, i1 = 0, i2 = 0, i3 = 0;
        for (int i = 0; i < n; i++) {
            int own = atPos0 + t0 + i;
            float v = 1f / softmaxWeights(sc[i], own + 1, atScale);
            Arrays.fill(sc[i], own + 1, last + 1, 0f);
            if (i == 0) i0 = v; else if (i == 1) i1 = v; else if (i == 2) i2 = v; else i3 = v;
        }
        if (n < 4) Arrays.fill(sc[3], 0, last + 1, 0f);
        if (n < 3) Arrays.fill(sc[2], 0, last + 1, 0f);
        int o0 = t0 * atHeads * hd + h * hd, os = atHeads * hd;
        long valueOff = atCache.valueAt(kvh, 0), step = (long) hd * Float.BYTES;
        for (int done = 0; done < hd; done += 4 * F.length()) {
            headWeightedSum4(sc, i0, i1, i2, i3, last, atCache.values[atLayer], valueOff + done * 4L, step, atOut, o0 + done, os, n);
        }
    }

    /** Query t of head h's output: its weights sc[0 .. last] times inv over the values. */
    private void weightedValues(int h, int t, float[] sc, float inv, int last) {
        int hd = atHeadDim, kvh = h / atGroup, oOff = t * atHeads * hd + h * hd;
        MemorySegment values = atCache.values[atLayer];
        long valueOff = atCache.valueAt(kvh, 0), step = (long) hd * Float.BYTES;
        if (hd % (4 * F.length()) == 0) {
            // the weighted sum of four vectors of the head at a time, kept in registers over all positions
            for (int done = 0; done < hd; done += 4 * F.length()) {
                headWeightedSum(sc, inv, last, values, valueOff + done * 4L, step, atOut, oOff + done);
            }
        } else {
            Arrays.fill(atOut, oOff, oOff + hd, 0f);
            for (int s = 0; s <= last; s++) headAxpy(sc[s] * inv, values, s * step + valueOff, atOut, oOff, hd);
        }
    }

    /**
     * sc[at .. at + BLOCK) = the scores of q[qOff .. qOff + hd) against the key block at byte
     * {@code off}: four chains over the dimensions (d mod 4), added at the end. Per position the
     * same operations whatever the block's neighbours, so a query's scores do not depend on T.
     */
    private static void blockScores(MemorySegment keys, long off, float[] q, int qOff, int hd, float[] sc, int at) {
        long row = (long) F.length() * Float.BYTES;
        FloatVector a = FloatVector.zero(F), b = FloatVector.zero(F), c = FloatVector.zero(F), d = FloatVector.zero(F);
        int i = 0;
        for (; i + 4 <= hd; i += 4) {
            long o = off + i * row;
            a = cached(keys, o).fma(FloatVector.broadcast(F, q[qOff + i]), a);
            b = cached(keys, o + row).fma(FloatVector.broadcast(F, q[qOff + i + 1]), b);
            c = cached(keys, o + 2 * row).fma(FloatVector.broadcast(F, q[qOff + i + 2]), c);
            d = cached(keys, o + 3 * row).fma(FloatVector.broadcast(F, q[qOff + i + 3]), d);
        }
        for (; i < hd; i++) a = cached(keys, off + i * row).fma(FloatVector.broadcast(F, q[qOff + i]), a);
        a.add(b).add(c.add(d)).intoArray(sc, at);
    }

    /** {@link #blockScores} of two blocks at once ({@code next} bytes apart): eight chains, each input broadcast once. */
    private static void blockScores2(MemorySegment keys, long off, long next, float[] q, int qOff, int hd, float[] sc, int at) {
        long row = (long) F.length() * Float.BYTES;
        FloatVector a = FloatVector.zero(F), b = FloatVector.zero(F), c = FloatVector.zero(F), d = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F), b1 = FloatVector.zero(F), c1 = FloatVector.zero(F), d1 = FloatVector.zero(F);
        int i = 0;
        for (; i + 4 <= hd; i += 4) {
            long o = off + i * row, o1 = o + next;
            FloatVector y0 = FloatVector.broadcast(F, q[qOff + i]), y1 = FloatVector.broadcast(F, q[qOff + i + 1]);
            FloatVector y2 = FloatVector.broadcast(F, q[qOff + i + 2]), y3 = FloatVector.broadcast(F, q[qOff + i + 3]);
            a = cached(keys, o).fma(y0, a);
            b = cached(keys, o + row).fma(y1, b);
            c = cached(keys, o + 2 * row).fma(y2, c);
            d = cached(keys, o + 3 * row).fma(y3, d);
            a1 = cached(keys, o1).fma(y0, a1);
            b1 = cached(keys, o1 + row).fma(y1, b1);
            c1 = cached(keys, o1 + 2 * row).fma(y2, c1);
            d1 = cached(keys, o1 + 3 * row).fma(y3, d1);
        }
        for (; i < hd; i++) {
            FloatVector y = FloatVector.broadcast(F, q[qOff + i]);
            a = cached(keys, off + i * row).fma(y, a);
            a1 = cached(keys, off + next + i * row).fma(y, a1);
        }
        a.add(b).add(c.add(d)).intoArray(sc, at);
        a1.add(b1).add(c1.add(d1)).intoArray(sc, at + F.length());
    }

    /** {@link #blockScores} of four queries (at q0 .. q3) against one block, into s0 .. s3: sixteen chains, each key vector loaded once. */
    private static void blockScores4(MemorySegment keys, long off, float[] q, int q0, int q1, int q2, int q3, int hd,
                                     float[] s0, float[] s1, float[] s2, float[] s3, int at) {
        long row = (long) F.length() * Float.BYTES;
        FloatVector a0 = FloatVector.zero(F), b0 = FloatVector.zero(F), c0 = FloatVector.zero(F), d0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F), b1 = FloatVector.zero(F), c1 = FloatVector.zero(F), d1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F), b2 = FloatVector.zero(F), c2 = FloatVector.zero(F), d2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F), b3 = FloatVector.zero(F), c3 = FloatVector.zero(F), d3 = FloatVector.zero(F);
        int i = 0;
        for (; i + 4 <= hd; i += 4) {
            long o = off + i * row;
            FloatVector k = cached(keys, o);
            a0 = k.fma(FloatVector.broadcast(F, q[q0 + i]), a0);
            a1 = k.fma(FloatVector.broadcast(F, q[q1 + i]), a1);
            a2 = k.fma(FloatVector.broadcast(F, q[q2 + i]), a2);
            a3 = k.fma(FloatVector.broadcast(F, q[q3 + i]), a3);
            k = cached(keys, o + row);
            b0 = k.fma(FloatVector.broadcast(F, q[q0 + i + 1]), b0);
            b1 = k.fma(FloatVector.broadcast(F, q[q1 + i + 1]), b1);
            b2 = k.fma(FloatVector.broadcast(F, q[q2 + i + 1]), b2);
            b3 = k.fma(FloatVector.broadcast(F, q[q3 + i + 1]), b3);
            k = cached(keys, o + 2 * row);
            c0 = k.fma(FloatVector.broadcast(F, q[q0 + i + 2]), c0);
            c1 = k.fma(FloatVector.broadcast(F, q[q1 + i + 2]), c1);
            c2 = k.fma(FloatVector.broadcast(F, q[q2 + i + 2]), c2);
            c3 = k.fma(FloatVector.broadcast(F, q[q3 + i + 2]), c3);
            k = cached(keys, o + 3 * row);
            d0 = k.fma(FloatVector.broadcast(F, q[q0 + i + 3]), d0);
            d1 = k.fma(FloatVector.broadcast(F, q[q1 + i + 3]), d1);
            d2 = k.fma(FloatVector.broadcast(F, q[q2 + i + 3]), d2);
            d3 = k.fma(FloatVector.broadcast(F, q[q3 + i + 3]), d3);
        }
        for (; i < hd; i++) {
            FloatVector k = cached(keys, off + i * row);
            a0 = k.fma(FloatVector.broadcast(F, q[q0 + i]), a0);
            a1 = k.fma(FloatVector.broadcast(F, q[q1 + i]), a1);
            a2 = k.fma(FloatVector.broadcast(F, q[q2 + i]), a2);
            a3 = k.fma(FloatVector.broadcast(F, q[q3 + i]), a3);
        }
        a0.add(b0).add(c0.add(d0)).intoArray(s0, at);
        a1.add(b1).add(c1.add(d1)).intoArray(s1, at);
        a2.add(b2).add(c2.add(d2)).intoArray(s2, at);
        a3.add(b3).add(c3.add(d3)).intoArray(s3, at);
    }

    /** The vector of floats at byte {@code offset} of a cache segment. */
    private static FloatVector cached(MemorySegment cache, long offset) {
        return FloatVector.fromMemorySegment(F, cache, offset, ByteOrder.nativeOrder());
    }

    /**
     * sc[0 .. n) = e^(scale * sc[s] - max), the max over the scaled scores; returns their sum (per
     * lane in position order, then the lanes in {@link Lanes#sum}'s tree: the same bits for a
     * query whatever T). Vectorised: a scalar Math.exp per position cost more than the scores
     * themselves (AttentionBench, docs/benchmarks.md).
     */
    static float softmaxWeights(float[] sc, int n, float scale) {
        FloatVector max = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        for (int s = 0; s < n; s += F.length()) {
            VectorMask<Float> in = F.indexInRange(s, n);
            FloatVector v = FloatVector.fromArray(F, sc, s, in).mul(scale);
            v.intoArray(sc, s, in);
            max = max.lanewise(VectorOperators.MAX, v, in);
        }
        float m = max.reduceLanes(VectorOperators.MAX);
        FloatVector sum = FloatVector.zero(F);
        for (int s = 0; s < n; s += F.length()) {
            VectorMask<Float> in = F.indexInRange(s, n);
            FloatVector e = VectorMath.exp(FloatVector.fromArray(F, sc, s, in).sub(m));
            e.intoArray(sc, s, in);
            sum = sum.add(e, in);
        }
        return Lanes.sum(sum);
    }

    /**
     * out[oOff .. oOff + 4N) = sum over positions s <= last of (w[s] * inv) * values row s (four
     * vectors from byte {@code off}), in s order: the same fma sequence as {@link #headAxpy} per
     * position, but with the sums in registers instead of a load and store per position.
     */
    private static void headWeightedSum(float[] w, float inv, int last, MemorySegment values, long off, long stride,
                                        float[] out, int oOff) {
        int n = F.length();
        FloatVector a = FloatVector.zero(F), b = FloatVector.zero(F), c = FloatVector.zero(F), d = FloatVector.zero(F);
        long o = off;
        for (int s = 0; s <= last; s++, o += stride) {
            FloatVector p = FloatVector.broadcast(F, w[s] * inv);
            a = FloatVector.fromMemorySegment(F, values, o, ByteOrder.nativeOrder()).fma(p, a);
            b = FloatVector.fromMemorySegment(F, values, o + 4L * n, ByteOrder.nativeOrder()).fma(p, b);
            c = FloatVector.fromMemorySegment(F, values, o + 8L * n, ByteOrder.nativeOrder()).fma(p, c);
            d = FloatVector.fromMemorySegment(F, values, o + 12L * n, ByteOrder.nativeOrder()).fma(p, d);
        }
        a.intoArray(out, oOff);
        b.intoArray(out, oOff + n);
        c.intoArray(out, oOff + 2 * n);
        d.intoArray(out, oOff + 3 * n);
    }

    /**
     * {@link #headWeightedSum} of four queries' weights w[0..3] (times inv0 .. inv3) over the same
     * values, into out at oOff, oOff + os, ...: sixteen chains, each value vector loaded once; only
     * the first n are stored (the others' weights are zeros).
     */
    private static void headWeightedSum4(float[][] w, float inv0, float inv1, float inv2, float inv3, int last, MemorySegment values,
                                         long off, long stride, float[] out, int oOff, int os, int n) {
        int N = F.length();
        float[] w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3];
        FloatVector a0 = FloatVector.zero(F), b0 = FloatVector.zero(F), c0 = FloatVector.zero(F), d0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F), b1 = FloatVector.zero(F), c1 = FloatVector.zero(F), d1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F), b2 = FloatVector.zero(F), c2 = FloatVector.zero(F), d2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F), b3 = FloatVector.zero(F), c3 = FloatVector.zero(F), d3 = FloatVector.zero(F);
        long o = off;
        for (int s = 0; s <= last; s++, o += stride) {
            FloatVector p0 = FloatVector.broadcast(F, w0[s] * inv0), p1 = FloatVector.broadcast(F, w1[s] * inv1);
            FloatVector p2 = FloatVector.broadcast(F, w2[s] * inv2), p3 = FloatVector.broadcast(F, w3[s] * inv3);
            FloatVector v = cached(values, o);
            a0 = v.fma(p0, a0);
            a1 = v.fma(p1, a1);
            a2 = v.fma(p2, a2);
            a3 = v.fma(p3, a3);
            v = cached(values, o + 4L * N);
            b0 = v.fma(p0, b0);
            b1 = v.fma(p1, b1);
            b2 = v.fma(p2, b2);
            b3 = v.fma(p3, b3);
            v = cached(values, o + 8L * N);
            c0 = v.fma(p0, c0);
            c1 = v.fma(p1, c1);
            c2 = v.fma(p2, c2);
            c3 = v.fma(p3, c3);
            v = cached(values, o + 12L * N);
            d0 = v.fma(p0, d0);
            d1 = v.fma(p1, d1);
            d2 = v.fma(p2, d2);
            d3 = v.fma(p3, d3);
        }
        store4(a0, b0, c0, d0, out, oOff);
        store4(a1, b1, c1, d1, out, oOff + os);
        if (n > 2) store4(a2, b2, c2, d2, out, oOff + 2 * os);
        if (n > 3) store4(a3, b3, c3, d3, out, oOff + 3 * os);
    }

    private static void store4(FloatVector a, FloatVector b, FloatVector c, FloatVector d, float[] out, int at) {
        int N = F.length();
        a.intoArray(out, at);
        b.intoArray(out, at + N);
        c.intoArray(out, at + 2 * N);
        d.intoArray(out, at + 3 * N);
    }

    /** out[oOff .. oOff + hd) += p * cache row at byte vOff. */
    private static void headAxpy(float p, MemorySegment values, long vOff, float[] out, int oOff, int hd) {
        int bound = F.loopBound(hd);
        int i = 0;
        for (; i < bound; i += F.length()) {
            FloatVector.fromMemorySegment(F, values, vOff + i * 4L, ByteOrder.nativeOrder())
                    .fma(FloatVector.broadcast(F, p), FloatVector.fromArray(F, out, oOff + i)).intoArray(out, oOff + i);
        }
        for (; i < hd; i++) out[oOff + i] += p * values.getAtIndex(ValueLayout.JAVA_FLOAT, vOff / 4 + i);
    }

    /**
     * Split into pieces of whole vectors within each row, run on the pool: a piece's bits do not
     * depend on how many rows share the call, so T = 1 and T = K + 1 agree exactly.
     */
    @Override
    public void activate(Tensor x, Activation fn, int T) {
        CpuTensor o = cpu(x);
        pointwise(fn, o.data(), null, o.cols(), T);
    }

    @Override
    public void siluMul(Tensor gate, Tensor up, int T) {
        CpuTensor g = cpu(gate), u = cpu(up);
        pointwise(null, g.data(), u.data(), g.cols(), T);
    }

    private static final int PIECE = 512;

    private void pointwise(Activation fn, float[] a, float[] b, int cols, int T) {
        pwFn = fn;
        pwA = a;
        pwB = b;
        pwCols = cols;
        int pieces = (cols + PIECE - 1) / PIECE;
        pool.run(pointwiseTask, T * pieces, 1);
        pwA = null;
        pwB = null;
    }

    private void pointwiseRange(int start, int end, int worker) {
        int pieces = (pwCols + PIECE - 1) / PIECE;
        for (int item = start; item < end; item++) {
            int t = item / pieces, c = item % pieces;
            int from = t * pwCols + c * PIECE, to = t * pwCols + Math.min(pwCols, (c + 1) * PIECE);
            float[] a = pwA;
            if (pwFn == null) {
                VectorMath.siluMul(a, pwB, from, to);
                continue;
            }
            switch (pwFn) {
                case GELU_TANH -> VectorMath.geluTanh(a, from, to);
                case SILU -> VectorMath.silu(a, from, to);
                case GELU_ERF -> {
                    for (int i = from; i < to; i++) a[i] = ScalarMath.geluErf(a[i]);
                }
                case RELU -> {
                    for (int i = from; i < to; i++) a[i] = Math.max(0f, a[i]);
                }
            }
        }
    }

    @Override
    public void copyRows(Tensor dst, int dstRow, Tensor src, int srcRow, int count) {
        CpuTensor d = cpu(dst), s = cpu(src);
        System.arraycopy(s.data(), srcRow * s.cols(), d.data(), dstRow * d.cols(), count * s.cols());
    }

    @Override
    public void toHost(Tensor x, int T, float[] dst, int offset) {
        CpuTensor o = cpu(x);
        System.arraycopy(o.data(), 0, dst, offset, T * o.cols());
    }

    @Override
    public void close() {
        pool.close();
    }
}
