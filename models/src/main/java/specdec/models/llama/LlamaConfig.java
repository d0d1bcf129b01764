package specdec.models.llama;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import specdec.models.ConfigFields;
import specdec.models.ModelConfig;
import specdec.models.TensorSpec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Llama's config.json, with HF's LlamaConfig defaults for absent fields. */
public record LlamaConfig(int vocabSize, int hiddenSize, int intermediateSize, int numHiddenLayers,
                          int numAttentionHeads, int numKeyValueHeads, int headDim, int maxPositionEmbeddings,
                          double rmsNormEps, double ropeTheta, RopeScaling ropeScaling, boolean tieWordEmbeddings,
                          boolean attentionBias, boolean mlpBias, int bosTokenId, int[] eosTokenIds) implements ModelConfig {

    public static LlamaConfig parse(ConfigFields f) {
        int hidden = f.positiveInt(4096, "hidden_size");
        int heads = f.positiveInt(32, "num_attention_heads");
        int kvHeads = f.positiveInt(heads, "num_key_value_heads");
        if (heads % kvHeads != 0) {
            throw f.error("num_key_value_heads", "(" + kvHeads + ") must divide num_attention_heads (" + heads + ")");
        }
        if (!f.has("head_dim") && hidden % heads != 0) {
            throw f.error("num_attention_heads", "(" + heads + ") must divide hidden_size (" + hidden + ") when head_dim is absent");
        }
        int headDim = f.positiveInt(hidden / Math.max(1, heads), "head_dim");
        if (headDim % 2 != 0) throw f.error("head_dim", "must be even for rotary embeddings, got " + headDim);
        String act = f.string("silu", "hidden_act");
        if (!act.equals("silu")) throw f.error("hidden_act", "is '" + act + "'; Llama models here use silu");
        int[] eos = f.has("eos_token_id") ? f.intList("eos_token_id") : new int[] {2};
        return new LlamaConfig(
                f.positiveInt(32000, "vocab_size"),
                hidden,
                f.positiveInt(11008, "intermediate_size"),
                f.positiveInt(32, "num_hidden_layers"),
                heads, kvHeads, headDim,
                f.positiveInt(2048, "max_position_embeddings"),
                f.positiveDouble(1e-6, "rms_norm_eps"),
                f.positiveDouble(10000.0, "rope_theta"),
                RopeScaling.parse(f),
                f.bool(false, "tie_word_embeddings"),
                f.bool(false, "attention_bias"),
                f.bool(false, "mlp_bias"),
                f.has("bos_token_id") ? f.intList("bos_token_id")[0] : 1,
                eos);
    }

    @Override
    public String architecture() {
        return "llama";
    }

    @Override
    public int contextLength() {
        return maxPositionEmbeddings;
    }

    @Override
    public int layers() {
        return numHiddenLayers;
    }

    @Override
    public int kvDim() {
        return numKeyValueHeads * headDim;
    }

    public int qDim() {
        return numAttentionHeads * headDim;
    }

    /** HF LlamaForCausalLM's names; every Linear is stored [out, in]. */
    @Override
    public List<TensorSpec> tensors() {
        long d = hiddenSize, q = qDim(), kv = kvDim(), inner = intermediateSize;
        double std = 0.02;
        List<TensorSpec> t = new ArrayList<>();
        t.add(TensorSpec.normal("model.embed_tokens.weight", std, vocabSize, d));
        for (int i = 0; i < numHiddenLayers; i++) {
            String p = "model.layers." + i + ".";
            t.add(TensorSpec.ones(p + "input_layernorm.weight", d));
            t.add(TensorSpec.normal(p + "self_attn.q_proj.weight", std, q, d));
            t.add(TensorSpec.normal(p + "self_attn.k_proj.weight", std, kv, d));
            t.add(TensorSpec.normal(p + "self_attn.v_proj.weight", std, kv, d));
            t.add(TensorSpec.normal(p + "self_attn.o_proj.weight", std, d, q));
            if (attentionBias) {
                t.add(TensorSpec.zeros(p + "self_attn.q_proj.bias", q));
                t.add(TensorSpec.zeros(p + "self_attn.k_proj.bias", kv));
                t.add(TensorSpec.zeros(p + "self_attn.v_proj.bias", kv));
                t.add(TensorSpec.zeros(p + "self_attn.o_proj.bias", d));
            }
            t.add(TensorSpec.ones(p + "post_attention_layernorm.weight", d));
            t.add(TensorSpec.normal(p + "mlp.gate_proj.weight", std, inner, d));
            t.add(TensorSpec.normal(p + "mlp.up_proj.weight", std, inner, d));
            t.add(TensorSpec.normal(p + "mlp.down_proj.weight", std, d, inner));
            if (mlpBias) {
                t.add(TensorSpec.zeros(p + "mlp.gate_proj.bias", inner));
                t.add(TensorSpec.zeros(p + "mlp.up_proj.bias", inner));
                t.add(TensorSpec.zeros(p + "mlp.down_proj.bias", d));
            }
        }
        t.add(TensorSpec.ones("model.norm.weight", d));
        if (!tieWordEmbeddings) t.add(TensorSpec.normal("lm_head.weight", std, vocabSize, d));
        return t;
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.putArray("architectures").add("LlamaForCausalLM");
        o.put("model_type", "llama");
        o.put("vocab_size", vocabSize);
        o.put("hidden_size", hiddenSize);
        o.put("intermediate_size", intermediateSize);
        o.put("num_hidden_layers", numHiddenLayers);
        o.put("num_attention_heads", numAttentionHeads);
        o.put("num_key_value_heads", numKeyValueHeads);
        o.put("head_dim", headDim);
        o.put("hidden_act", "silu");
        o.put("max_position_embeddings", maxPositionEmbeddings);
        o.put("rms_norm_eps", rmsNormEps);
        o.put("rope_theta", ropeTheta);
        if (ropeScaling != null) o.set("rope_scaling", ropeScaling.toJson());
        else o.putNull("rope_scaling");
        o.put("tie_word_embeddings", tieWordEmbeddings);
        o.put("attention_bias", attentionBias);
        o.put("mlp_bias", mlpBias);
        o.put("initializer_range", 0.02);
        o.put("bos_token_id", bosTokenId);
        if (eosTokenIds.length == 1) o.put("eos_token_id", eosTokenIds[0]);
        else Arrays.stream(eosTokenIds).forEach(o.putArray("eos_token_id")::add);
        return o;
    }

    @Override
    public Map<String, Object> summary() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("architecture", "llama");
        m.put("vocab_size", vocabSize);
        m.put("hidden_size", hiddenSize);
        m.put("intermediate_size", intermediateSize);
        m.put("num_hidden_layers", numHiddenLayers);
        m.put("num_attention_heads", numAttentionHeads);
        m.put("num_key_value_heads", numKeyValueHeads);
        m.put("head_dim", headDim);
        m.put("max_position_embeddings", maxPositionEmbeddings);
        m.put("rms_norm_eps", rmsNormEps);
        m.put("rope_theta", ropeTheta);
        m.put("rope_scaling", ropeScaling == null ? "none" : ropeScaling.toString());
        m.put("tie_word_embeddings", tieWordEmbeddings);
        m.put("eos_token_id", Arrays.toString(eosTokenIds));
        return m;
    }
}
