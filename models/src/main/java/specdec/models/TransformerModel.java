package specdec.models;

import specdec.engine.SpecdecException;
import specdec.engine.backend.Backend;
import specdec.engine.backend.Tensor;
import specdec.engine.io.HugePageArena;
import specdec.engine.io.OffHeap;
import specdec.engine.kv.KvCache;
import specdec.engine.model.LanguageModel;
import specdec.engine.model.Logits;
import specdec.engine.safetensors.Checkpoint;
import specdec.engine.tensor.BF16Tiles;
import specdec.engine.tensor.DType;
import specdec.engine.tensor.F16Tiles;
import specdec.engine.tensor.F32Tiles;
import specdec.engine.tensor.Q4Tiles;
import specdec.engine.tensor.Q8Tiles;
import specdec.engine.tensor.Quantize;
import specdec.engine.tensor.WeightTensor;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;

/**
 * What GPT-2 and Llama share around their layers: token checks, the cache bookkeeping, the
 * final projection to logits, and scratch tensors that grow to the largest T seen and are
 * then reused, so steady decoding allocates nothing.
 */
public abstract class TransformerModel implements LanguageModel {
    protected final Backend backend;
    protected final ModelConfig config;
    private final Checkpoint checkpoint;
    private final Logits logits;
    private int scratchRows;
    private Tensor lastHidden;
    private Tensor logitsScratch;
    private final DType quantization;
    private final Arena quantArena = new HugePageArena();
    private long quantBytes;
    private int keptUnquantised;
    private static final Logger LOG = LoggerFactory.getLogger(TransformerModel.class);

    /**
     * {@code quantization}: the format to convert the matrices to at load (Q8_0, Q4_0, or a float
     * dtype such as F16), or null to compute with them as stored.
     */
    protected TransformerModel(Backend backend, ModelConfig config, Checkpoint checkpoint, DType quantization) {
        this.backend = backend;
        this.config = config;
        this.checkpoint = checkpoint;
        this.logits = new Logits(config.vocabSize());
        this.quantization = quantization;
    }

    /** The format matrices were converted to at load, or null. */
    public DType quantization() {
        return quantization;
    }

    /**
     * A projection matrix as this model computes with it: converted when asked, and in the CPU
     * kernels' tiles (F32, BF16, F16, Q8_0, Q4_0).
     */
    protected WeightTensor matrix(WeightTensor w) {
        if (!convertsAtLoad(w.dtype())) return w;
        if (computesAs(w.dtype()) == w.dtype()) { // as stored, into the CPU kernels' tiles
            WeightTensor t = floatTiles(w);
            quantBytes += t.segment().byteSize();
            return t;
        }
        if (quantization.isQuantized() && w.cols() % DType.BLOCK != 0) {
            // as llama.cpp does, a matrix whose rows are not whole blocks keeps a float type
            LOG.warn("{}: {} columns are not whole blocks of {}; kept as {}", w.name(), w.cols(), DType.BLOCK, w.dtype());
            keptUnquantised++;
            return w;
        }
        WeightTensor q = tiles(w);
        quantBytes += q.segment().byteSize();
        return q;
    }

    /** The dtype a stored matrix is computed in. */
    private DType computesAs(DType stored) {
        return quantization == null ? stored : quantization;
    }

    /**
     * Whether the CPU kernels compute {@code format} in tiles ({@link F32Tiles}, {@link BF16Tiles},
     * {@link F16Tiles}, {@link Q8Tiles}, {@link Q4Tiles}): every format weights are held in.
     */
    private static boolean tiled(DType format) {
        return format.isWeightType() || format.isQuantized();
    }

    /** Whether {@link #matrix} makes a copy of a matrix stored as {@code stored}: to convert it, or to lay it out in tiles. */
    protected boolean convertsAtLoad(DType stored) {
        DType as = computesAs(stored);
        return as != stored || tiled(as);
    }

    /** An F32, BF16 or F16 matrix in its format's tiles. */
    private WeightTensor floatTiles(WeightTensor w) {
        return switch (w.dtype()) {
            case F32 -> F32Tiles.of(w, quantArena);
            case BF16 -> BF16Tiles.of(w, quantArena);
            case F16 -> F16Tiles.of(w, quantArena);
            default -> throw new IllegalArgumentException(w.name() + ": no float tiles for " + w.dtype());
        };
    }

    /** {@code w} in {@link #quantization}'s tiles, converted row by row in a transient arena first (F32 as it tiles). */
    private WeightTensor tiles(WeightTensor w) {
        if (quantization == DType.F32) return F32Tiles.of(w, quantArena); // converts as it tiles
        WeightTensor q = null;
        try (Arena rowMajor = Arena.ofShared()) {
            q = Quantize.of(w, quantization, rowMajor);
            WeightTensor t = switch (quantization) {
                case Q8_0 -> Q8Tiles.of(q, quantArena);
                case Q4_0 -> Q4Tiles.of(q, quantArena);
                default -> floatTiles(q);
            };
            if (t != q) return t;
        } finally {
            if (q != null) OffHeap.released(q.segment().byteSize());
        }
        return Quantize.of(w, quantization, quantArena); // a quantised scale beyond f16's range: kept in rows
    }

    /** The dtype of the final projection, the largest matrix, as computed with. */
    public DType lmHeadDtype() {
        return lmHead().dtype();
    }

    /** Matrices left in their stored dtype because their rows are not whole quantisation blocks. */
    public int keptUnquantised() {
        return keptUnquantised;
    }

    public ModelConfig config() {
        return config;
    }

    @Override
    public int vocabSize() {
        return config.vocabSize();
    }

    @Override
    public int contextLength() {
        return config.contextLength();
    }

    @Override
    public String architecture() {
        return config.architecture();
    }

    @Override
    public KvCache newCache(int capacity) {
        if (capacity > contextLength()) {
            throw new SpecdecException("a cache of " + capacity + " positions exceeds the model's context of " + contextLength());
        }
        return backend.newKvCache(config.layers(), capacity, config.kvDim(), config.headDim());
    }

    /** Allocates the architecture's scratch tensors for {@code rows} tokens per forward. */
    protected abstract void allocateScratch(int rows);

    /** Runs the layers over T tokens at pos0 and leaves the final-normed hidden states in the returned tensor. */
    protected abstract Tensor layers(int[] tokens, int offset, int T, KvCache cache, int pos0);

    protected abstract WeightTensor lmHead();

    @Override
    public final Logits forward(int[] tokens, int offset, int count, KvCache cache, boolean lastOnly) {
        if (count <= 0) throw new IllegalArgumentException("forward needs at least one token");
        int vocab = vocabSize();
        for (int i = offset; i < offset + count; i++) {
            if (tokens[i] < 0 || tokens[i] >= vocab) {
                throw new SpecdecException("token id " + tokens[i] + " at position " + (i - offset)
                        + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
        int pos0 = cache.length();
        cache.checkRoom(count);
        if (count > scratchRows) {
            allocateScratch(count);
            lastHidden = backend.allocate(1, hiddenSize());
            logitsScratch = backend.allocate(count, vocab);
            scratchRows = count;
        }
        Tensor hidden = layers(tokens, offset, count, cache, pos0);
        cache.advance(count);
        int rows = lastOnly ? 1 : count;
        Tensor source = hidden;
        if (lastOnly) {
            backend.copyRows(lastHidden, 0, hidden, count - 1, 1);
            source = lastHidden;
        }
        backend.matmul(logitsScratch, source, lmHead(), rows);
        backend.toHost(logitsScratch, rows, logits.reset(rows), 0);
        return logits;
    }

    protected abstract int hiddenSize();

    /**
     * Bytes of weights a one-token forward reads: every layer's matrices, norms and biases, the
     * final norm, the output projection, and the one row of each embedding table it looks up.
     * Divided by the step's time, this is the weight read rate to hold against the memory
     * bandwidth (bench-decode prints it).
     */
    public abstract long weightBytesPerToken();

    /**
     * The summed sizes of {@code weights} in their dtype's row layout (a tiled copy's zero rows,
     * padding its last tile, are not the model's); null entries (absent biases) count nothing.
     */
    protected static long bytesOf(WeightTensor... weights) {
        long n = 0;
        for (WeightTensor w : weights) if (w != null) n += w.rows() * w.dtype().rowBytes(w.cols());
        return n;
    }

    /** The size of one row of {@code table}, as stored or converted. */
    protected static long rowBytesOf(WeightTensor table) {
        return table.dtype().rowBytes(table.cols());
    }

    @Override
    public void close() {
        checkpoint.close();
        if (!quantArena.scope().isAlive()) return;
        quantArena.close();
        OffHeap.released(quantBytes);
    }
}
