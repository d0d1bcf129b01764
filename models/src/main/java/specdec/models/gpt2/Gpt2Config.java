package specdec.models.gpt2;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import specdec.engine.backend.Activation;
import specdec.models.ConfigFields;
import specdec.models.ModelConfig;
import specdec.models.TensorSpec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** GPT-2's config.json, with HF's GPT2Config defaults for absent fields. */
public record Gpt2Config(int vocabSize, int nPositions, int nEmbd, int nLayer, int nHead, int nInner,
                         String activationFunction, double layerNormEpsilon, boolean scaleAttnWeights,
                         boolean scaleAttnByInverseLayerIdx, boolean tieWordEmbeddings,
                         int[] eosTokenIds) implements ModelConfig {

    public static Gpt2Config parse(ConfigFields f) {
        int nEmbd = f.positiveInt(768, "n_embd", "hidden_size");
        int nHead = f.positiveInt(12, "n_head", "num_attention_heads");
        if (nEmbd % nHead != 0) throw f.error("n_head", "(" + nHead + ") must divide n_embd (" + nEmbd + ")");
        String act = f.string("gelu_new", "activation_function");
        Activation.fromHf(act, f.file() + ": field 'activation_function'");
        return new Gpt2Config(
                f.positiveInt(50257, "vocab_size"),
                f.positiveInt(1024, "n_positions", "n_ctx", "max_position_embeddings"),
                nEmbd,
                f.positiveInt(12, "n_layer", "num_hidden_layers"),
                nHead,
                f.positiveInt(4 * nEmbd, "n_inner"),
                act,
                f.positiveDouble(1e-5, "layer_norm_epsilon"),
                f.bool(true, "scale_attn_weights"),
                f.bool(false, "scale_attn_by_inverse_layer_idx"),
                f.bool(true, "tie_word_embeddings"),
                f.has("eos_token_id") ? f.intList("eos_token_id") : new int[] {50256});
    }

    public static Gpt2Config of(int vocab, int positions, int embd, int layers, int heads) {
        return new Gpt2Config(vocab, positions, embd, layers, heads, 4 * embd, "gelu_new", 1e-5, true, false, true,
                new int[] {vocab - 1});
    }

    public Activation activation() {
        return Activation.fromHf(activationFunction, "activation_function");
    }

    public int headDim() {
        return nEmbd / nHead;
    }

    @Override
    public String architecture() {
        return "gpt2";
    }

    @Override
    public int contextLength() {
        return nPositions;
    }

    @Override
    public int layers() {
        return nLayer;
    }

    @Override
    public int kvDim() {
        return nEmbd;
    }

    /** HF GPT2's names; Conv1D weights are stored [in, out]. Residual projections get GPT-2's scaled init. */
    @Override
    public List<TensorSpec> tensors() {
        long d = nEmbd, inner = nInner;
        double std = 0.02, resid = 0.02 / Math.sqrt(2.0 * nLayer);
        List<TensorSpec> t = new ArrayList<>();
        t.add(TensorSpec.normal("wte.weight", std, vocabSize, d));
        t.add(TensorSpec.normal("wpe.weight", 0.01, nPositions, d));
        for (int i = 0; i < nLayer; i++) {
            String p = "h." + i + ".";
            t.add(TensorSpec.ones(p + "ln_1.weight", d));
            t.add(TensorSpec.zeros(p + "ln_1.bias", d));
            t.add(TensorSpec.normal(p + "attn.c_attn.weight", std, d, 3 * d));
            t.add(TensorSpec.zeros(p + "attn.c_attn.bias", 3 * d));
            t.add(TensorSpec.normal(p + "attn.c_proj.weight", resid, d, d));
            t.add(TensorSpec.zeros(p + "attn.c_proj.bias", d));
            t.add(TensorSpec.ones(p + "ln_2.weight", d));
            t.add(TensorSpec.zeros(p + "ln_2.bias", d));
            t.add(TensorSpec.normal(p + "mlp.c_fc.weight", std, d, inner));
            t.add(TensorSpec.zeros(p + "mlp.c_fc.bias", inner));
            t.add(TensorSpec.normal(p + "mlp.c_proj.weight", resid, inner, d));
            t.add(TensorSpec.zeros(p + "mlp.c_proj.bias", d));
        }
        t.add(TensorSpec.ones("ln_f.weight", d));
        t.add(TensorSpec.zeros("ln_f.bias", d));
        if (!tieWordEmbeddings) t.add(TensorSpec.normal("lm_head.weight", std, vocabSize, d));
        return t;
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.putArray("architectures").add("GPT2LMHeadModel");
        o.put("model_type", "gpt2");
        o.put("vocab_size", vocabSize);
        o.put("n_positions", nPositions);
        o.put("n_ctx", nPositions);
        o.put("n_embd", nEmbd);
        o.put("n_layer", nLayer);
        o.put("n_head", nHead);
        if (nInner != 4 * nEmbd) o.put("n_inner", nInner);
        else o.putNull("n_inner");
        o.put("activation_function", activationFunction);
        o.put("layer_norm_epsilon", layerNormEpsilon);
        o.put("initializer_range", 0.02);
        o.put("scale_attn_weights", scaleAttnWeights);
        o.put("scale_attn_by_inverse_layer_idx", scaleAttnByInverseLayerIdx);
        o.put("tie_word_embeddings", tieWordEmbeddings);
        o.put("bos_token_id", eosTokenIds[0]);
        o.put("eos_token_id", eosTokenIds[0]);
        return o;
    }

    @Override
    public Map<String, Object> summary() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("architecture", "gpt2");
        m.put("vocab_size", vocabSize);
        m.put("n_positions", nPositions);
        m.put("n_embd", nEmbd);
        m.put("n_layer", nLayer);
        m.put("n_head", nHead);
        m.put("n_inner", nInner);
        m.put("activation_function", activationFunction);
        m.put("layer_norm_epsilon", layerNormEpsilon);
        m.put("tie_word_embeddings", tieWordEmbeddings);
        m.put("eos_token_id", java.util.Arrays.toString(eosTokenIds));
        return m;
    }
}
