package specdec.models.gpt2;

import specdec.engine.backend.Activation;
import specdec.engine.backend.Backend;
import specdec.engine.backend.Tensor;
import specdec.engine.io.HugePageArena;
import specdec.engine.io.OffHeap;
import specdec.engine.kv.KvCache;
import specdec.engine.safetensors.Checkpoint;
import specdec.engine.tensor.DType;
import specdec.engine.tensor.Transpose;
import specdec.engine.tensor.WeightTensor;
import specdec.models.TensorSpec;
import specdec.models.TransformerModel;
import specdec.models.WeightSet;

import java.lang.foreign.Arena;
import java.util.HashMap;
import java.util.Map;

/**
 * GPT-2 (HF GPT2LMHeadModel): learned positions, pre-LayerNorm blocks, fused QKV projection,
 * GELU MLP, LM head tied to the token embedding.
 */
public final class Gpt2Model extends TransformerModel {
    private final Gpt2Config cfg;
    private final Arena arena = new HugePageArena();
    private long relaidBytes;
    private final WeightTensor wte, wpe, lnFw, lnFb, lmHead;
    private final Layer[] layers;
    private final Activation activation;
    private Tensor x, h, q, k, v, att, proj, ff;
    private Tensor[] qkvOut;

    private record Layer(WeightTensor ln1w, WeightTensor ln1b, WeightTensor wq, WeightTensor wk, WeightTensor wv,
                         WeightTensor bq, WeightTensor bk, WeightTensor bv, WeightTensor wo, WeightTensor bo,
                         WeightTensor ln2w, WeightTensor ln2b, WeightTensor wfc, WeightTensor bfc,
                         WeightTensor wproj, WeightTensor bproj, WeightTensor[] qkv) {
        long bytes() {
            return bytesOf(ln1w, ln1b, wq, wk, wv, bq, bk, bv, wo, bo, ln2w, ln2b, wfc, bfc, wproj, bproj);
        }
    }

    public Gpt2Model(Backend backend, Gpt2Config cfg, Checkpoint checkpoint, String configFile, DType quantization) {
        super(backend, cfg, checkpoint, quantization);
        this.cfg = cfg;
        this.activation = cfg.activation();
        String prefix = checkpoint.contains("transformer.wte.weight") ? "transformer." : "";
        WeightSet ws = new WeightSet(checkpoint, configFile);
        Map<String, WeightTensor> w = new HashMap<>();
        for (TensorSpec spec : cfg.tensors()) {
            String stored = spec.name().equals("lm_head.weight") ? spec.name() : prefix + spec.name();
            w.put(spec.name(), ws.get(new TensorSpec(stored, spec.shape(), spec.init())));
        }
        // the token table is also the tied LM head, the largest matrix, so it is quantised too
        wte = matrix(w.get("wte.weight"));
        wpe = w.get("wpe.weight");
        lnFw = w.get("ln_f.weight");
        lnFb = w.get("ln_f.bias");
        lmHead = cfg.tieWordEmbeddings() ? wte : matrix(w.get("lm_head.weight"));
        int d = cfg.nEmbd();
        layers = new Layer[cfg.nLayer()];
        for (int i = 0; i < layers.length; i++) {
            String p = "h." + i + ".";
            // Conv1D keeps [in, out]; transposed once so each output is one contiguous row, and
            // the fused [3d, d] projection cut into its q, k and v rows.
            WeightTensor[] qkv = relay(w.get(p + "attn.c_attn.weight"), 3);
            WeightTensor qkvBias = w.get(p + "attn.c_attn.bias");
            WeightTensor qkvBiasRows = WeightTensor.of(qkvBias.name(), qkvBias.dtype(), qkvBias.segment(), 3, d);
            layers[i] = new Layer(
                    w.get(p + "ln_1.weight"), w.get(p + "ln_1.bias"),
                    qkv[0], qkv[1], qkv[2],
                    qkvBiasRows.rowSlice(0, 1), qkvBiasRows.rowSlice(1, 1), qkvBiasRows.rowSlice(2, 1),
                    relay(w.get(p + "attn.c_proj.weight"), 1)[0], w.get(p + "attn.c_proj.bias"),
                    w.get(p + "ln_2.weight"), w.get(p + "ln_2.bias"),
                    relay(w.get(p + "mlp.c_fc.weight"), 1)[0], w.get(p + "mlp.c_fc.bias"),
                    relay(w.get(p + "mlp.c_proj.weight"), 1)[0], w.get(p + "mlp.c_proj.bias"), qkv);
        }
    }

    /**
     * A Conv1D weight [in, out] laid out as [out, in] and cut into {@code parts} row blocks of
     * equal size: views into this model's arena, or, where the model converts or tiles its
     * matrices at load, each block converted from a transient copy (cut before, since tiles cut
     * only at whole tiles).
     */
    private WeightTensor[] relay(WeightTensor conv1d, int parts) {
        WeightTensor[] out = new WeightTensor[parts];
        int rows = conv1d.cols() / parts;
        if (convertsAtLoad(conv1d.dtype())) {
            WeightTensor transposed = null;
            try (Arena transient_ = Arena.ofShared()) {
                transposed = Transpose.of(conv1d, transient_);
                for (int k = 0; k < parts; k++) out[k] = matrix(parts == 1 ? transposed : transposed.rowSlice(k * rows, rows));
                return out;
            } finally {
                if (transposed != null) OffHeap.released(transposed.segment().byteSize());
            }
        }
        WeightTensor t = Transpose.of(conv1d, arena);
        relaidBytes += t.segment().byteSize();
        for (int k = 0; k < parts; k++) out[k] = parts == 1 ? t : t.rowSlice(k * rows, rows);
        return out;
    }

    @Override
    protected int hiddenSize() {
        return cfg.nEmbd();
    }

    @Override
    protected WeightTensor lmHead() {
        return lmHead;
    }

    @Override
    public long weightBytesPerToken() {
        long n = bytesOf(lnFw, lnFb, lmHead) + rowBytesOf(wte) + rowBytesOf(wpe);
        for (Layer l : layers) n += l.bytes();
        return n;
    }

    @Override
    protected void allocateScratch(int rows) {
        int d = cfg.nEmbd();
        x = backend.allocate(rows, d);
        h = backend.allocate(rows, d);
        q = backend.allocate(rows, d);
        k = backend.allocate(rows, d);
        v = backend.allocate(rows, d);
        att = backend.allocate(rows, d);
        proj = backend.allocate(rows, d);
        ff = backend.allocate(rows, cfg.nInner());
        qkvOut = new Tensor[] {q, k, v};
    }

    @Override
    protected Tensor layers(int[] tokens, int offset, int T, KvCache cache, int pos0) {
        float eps = (float) cfg.layerNormEpsilon();
        int heads = cfg.nHead(), hd = cfg.headDim();
        backend.embed(x, wte, tokens, offset, T);
        backend.addRows(x, wpe, pos0, T);
        for (int l = 0; l < layers.length; l++) {
            Layer L = layers[l];
            backend.layerNorm(h, x, L.ln1w, L.ln1b, eps, T);
            backend.matmuls(qkvOut, h, L.qkv, T);
            backend.addBias(q, L.bq, T);
            backend.addBias(k, L.bk, T);
            backend.addBias(v, L.bv, T);
            backend.storeKv(cache, l, k, v, pos0, T);
            float scale = cfg.scaleAttnWeights() ? (float) (1.0 / Math.sqrt(hd)) : 1f;
            if (cfg.scaleAttnByInverseLayerIdx()) scale /= (l + 1);
            backend.attention(att, q, cache, l, pos0, T, heads, heads, hd, scale);
            backend.matmul(proj, att, L.wo, T);
            backend.addBias(proj, L.bo, T);
            backend.add(x, proj, T);
            backend.layerNorm(h, x, L.ln2w, L.ln2b, eps, T);
            backend.matmul(ff, h, L.wfc, T);
            backend.addBias(ff, L.bfc, T);
            backend.activate(ff, activation, T);
            backend.matmul(proj, ff, L.wproj, T);
            backend.addBias(proj, L.bproj, T);
            backend.add(x, proj, T);
        }
        backend.layerNorm(h, x, lnFw, lnFb, eps, T);
        return h;
    }

    @Override
    public void close() {
        super.close();
        if (!arena.scope().isAlive()) return;
        arena.close();
        OffHeap.released(relaidBytes);
    }
}
