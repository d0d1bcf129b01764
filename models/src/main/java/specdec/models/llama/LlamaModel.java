package specdec.models.llama;

import specdec.engine.backend.Backend;
import specdec.engine.backend.Tensor;
import specdec.engine.kv.KvCache;
import specdec.engine.safetensors.Checkpoint;
import specdec.engine.tensor.DType;
import specdec.engine.tensor.WeightTensor;
import specdec.models.TensorSpec;
import specdec.models.TransformerModel;
import specdec.models.WeightSet;

import java.util.HashMap;
import java.util.Map;

/**
 * Llama (HF LlamaForCausalLM): RMSNorm, rotary positions in rotate-half layout, grouped-query
 * attention, SiLU-gated MLP.
 */
public final class LlamaModel extends TransformerModel {
    private final LlamaConfig cfg;
    private final WeightTensor embed, norm, lmHead;
    private final Layer[] layers;
    private final float[] invFreq;
    private Tensor x, h, q, k, v, att, proj, gate, up;
    private Tensor[] qkvOut, gateUpOut;

    private record Layer(WeightTensor inNorm, WeightTensor wq, WeightTensor wk, WeightTensor wv, WeightTensor wo,
                         WeightTensor bq, WeightTensor bk, WeightTensor bv, WeightTensor bo,
                         WeightTensor postNorm, WeightTensor wGate, WeightTensor wUp, WeightTensor wDown,
                         WeightTensor bGate, WeightTensor bUp, WeightTensor bDown, WeightTensor[] qkv, WeightTensor[] gateUp) {
        long bytes() {
            return bytesOf(inNorm, wq, wk, wv, wo, bq, bk, bv, bo, postNorm, wGate, wUp, wDown, bGate, bUp, bDown);
        }
    }

    public LlamaModel(Backend backend, LlamaConfig cfg, Checkpoint checkpoint, String configFile, DType quantization) {
        super(backend, cfg, checkpoint, quantization);
        this.cfg = cfg;
        WeightSet ws = new WeightSet(checkpoint, configFile);
        Map<String, WeightTensor> w = new HashMap<>();
        for (TensorSpec spec : cfg.tensors()) w.put(spec.name(), ws.get(spec));
        embed = matrix(w.get("model.embed_tokens.weight"));
        norm = w.get("model.norm.weight");
        lmHead = cfg.tieWordEmbeddings() ? embed : matrix(w.get("lm_head.weight"));
        invFreq = RopeFrequencies.of(cfg.headDim(), cfg.ropeTheta(), cfg.ropeScaling());
        layers = new Layer[cfg.numHiddenLayers()];
        for (int i = 0; i < layers.length; i++) {
            String a = "model.layers." + i + ".self_attn.", m = "model.layers." + i + ".mlp.";
            WeightTensor wq = matrix(w.get(a + "q_proj.weight")), wk = matrix(w.get(a + "k_proj.weight")), wv = matrix(w.get(a + "v_proj.weight"));
            WeightTensor wGate = matrix(w.get(m + "gate_proj.weight")), wUp = matrix(w.get(m + "up_proj.weight"));
            layers[i] = new Layer(
                    w.get("model.layers." + i + ".input_layernorm.weight"),
                    wq, wk, wv, matrix(w.get(a + "o_proj.weight")),
                    w.get(a + "q_proj.bias"), w.get(a + "k_proj.bias"), w.get(a + "v_proj.bias"), w.get(a + "o_proj.bias"),
                    w.get("model.layers." + i + ".post_attention_layernorm.weight"),
                    wGate, wUp, matrix(w.get(m + "down_proj.weight")),
                    w.get(m + "gate_proj.bias"), w.get(m + "up_proj.bias"), w.get(m + "down_proj.bias"),
                    new WeightTensor[] {wq, wk, wv}, new WeightTensor[] {wGate, wUp});
        }
    }

    @Override
    protected int hiddenSize() {
        return cfg.hiddenSize();
    }

    @Override
    protected WeightTensor lmHead() {
        return lmHead;
    }

    @Override
    public long weightBytesPerToken() {
        long n = bytesOf(norm, lmHead) + rowBytesOf(embed);
        for (Layer l : layers) n += l.bytes();
        return n;
    }

    @Override
    protected void allocateScratch(int rows) {
        int d = cfg.hiddenSize();
        x = backend.allocate(rows, d);
        h = backend.allocate(rows, d);
        q = backend.allocate(rows, cfg.qDim());
        k = backend.allocate(rows, cfg.kvDim());
        v = backend.allocate(rows, cfg.kvDim());
        att = backend.allocate(rows, cfg.qDim());
        proj = backend.allocate(rows, d);
        gate = backend.allocate(rows, cfg.intermediateSize());
        up = backend.allocate(rows, cfg.intermediateSize());
        qkvOut = new Tensor[] {q, k, v};
        gateUpOut = new Tensor[] {gate, up};
    }

    private void linear(Tensor out, Tensor in, WeightTensor w, WeightTensor bias, int T) {
        backend.matmul(out, in, w, T);
        bias(out, bias, T);
    }

    private void bias(Tensor out, WeightTensor bias, int T) {
        if (bias != null) backend.addBias(out, bias, T);
    }

    @Override
    protected Tensor layers(int[] tokens, int offset, int T, KvCache cache, int pos0) {
        float eps = (float) cfg.rmsNormEps();
        int heads = cfg.numAttentionHeads(), kvHeads = cfg.numKeyValueHeads(), hd = cfg.headDim();
        float scale = (float) (1.0 / Math.sqrt(hd));
        backend.embed(x, embed, tokens, offset, T);
        for (int l = 0; l < layers.length; l++) {
            Layer L = layers[l];
            backend.rmsNorm(h, x, L.inNorm, eps, T);
            backend.matmuls(qkvOut, h, L.qkv, T);
            bias(q, L.bq, T);
            bias(k, L.bk, T);
            bias(v, L.bv, T);
            backend.rope(q, heads, hd, invFreq, pos0, T);
            backend.rope(k, kvHeads, hd, invFreq, pos0, T);
            backend.storeKv(cache, l, k, v, pos0, T);
            backend.attention(att, q, cache, l, pos0, T, heads, kvHeads, hd, scale);
            linear(proj, att, L.wo, L.bo, T);
            backend.add(x, proj, T);
            backend.rmsNorm(h, x, L.postNorm, eps, T);
            backend.matmuls(gateUpOut, h, L.gateUp, T);
            bias(gate, L.bGate, T);
            bias(up, L.bUp, T);
            backend.siluMul(gate, up, T);
            linear(proj, gate, L.wDown, L.bDown, T);
            backend.add(x, proj, T);
        }
        backend.rmsNorm(h, x, norm, eps, T);
        return h;
    }
}
