package specdec.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import specdec.engine.safetensors.Checkpoint;
import specdec.engine.safetensors.Encoders;
import specdec.engine.safetensors.TensorInfo;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A plain, full-sequence forward in double precision following HF's GPT-2 and Llama code, with
 * no cache and no backend: the yardstick the engine's models are compared against.
 */
public final class ReferenceForward {
    private final JsonNode cfg;
    private final Map<String, double[]> w = new HashMap<>();

    public ReferenceForward(Path dir) throws IOException {
        cfg = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        try (Checkpoint ck = Checkpoint.open(dir)) {
            for (String name : ck.names()) {
                TensorInfo info = ck.info(name);
                double[] a = new double[(int) info.numel()];
                for (int i = 0; i < a.length; i++) a[i] = Encoders.get(ck.bytes(name), info.dtype(), i);
                w.put(name, a);
            }
        }
    }

    private int i(String field, int dflt) {
        JsonNode n = cfg.get(field);
        return n == null || n.isNull() ? dflt : n.asInt();
    }

    private double d(String field, double dflt) {
        JsonNode n = cfg.get(field);
        return n == null || n.isNull() ? dflt : n.asDouble();
    }

    /** Logits [T][vocab]. */
    public double[][] logits(int[] ids) {
        return cfg.get("model_type").asText().equals("gpt2") ? gpt2(ids) : llama(ids);
    }

    // y[t][o] = sum_i x[t][i] * W(i, o); W stored [in, out] (Conv1D) or [out, in] (Linear)
    private static double[][] linear(double[][] x, double[] wt, double[] bias, int in, int out, boolean inOut) {
        double[][] y = new double[x.length][out];
        for (int t = 0; t < x.length; t++)
            for (int o = 0; o < out; o++) {
                double s = bias == null ? 0 : bias[o];
                for (int k = 0; k < in; k++) s += x[t][k] * (inOut ? wt[k * out + o] : wt[o * in + k]);
                y[t][o] = s;
            }
        return y;
    }

    private static double[][] layerNorm(double[][] x, double[] g, double[] b, double eps) {
        double[][] y = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            int n = x[t].length;
            double mean = 0, var = 0;
            for (double v : x[t]) mean += v;
            mean /= n;
            for (double v : x[t]) var += (v - mean) * (v - mean);
            var /= n;
            y[t] = new double[n];
            for (int i = 0; i < n; i++) y[t][i] = (x[t][i] - mean) / Math.sqrt(var + eps) * g[i] + (b == null ? 0 : b[i]);
        }
        return y;
    }

    private static double[][] rmsNorm(double[][] x, double[] g, double eps) {
        double[][] y = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            int n = x[t].length;
            double ms = 0;
            for (double v : x[t]) ms += v * v;
            ms /= n;
            y[t] = new double[n];
            for (int i = 0; i < n; i++) y[t][i] = x[t][i] / Math.sqrt(ms + eps) * g[i];
        }
        return y;
    }

    /** Causal softmax attention; query head h uses kv head h / (heads / kvHeads). */
    private static double[][] attention(double[][] q, double[][] k, double[][] v, int heads, int kvHeads, int hd) {
        int T = q.length;
        double[][] out = new double[T][heads * hd];
        double scale = 1 / Math.sqrt(hd);
        for (int h = 0; h < heads; h++) {
            int kh = h / (heads / kvHeads);
            for (int t = 0; t < T; t++) {
                double[] p = new double[t + 1];
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (int s = 0; s <= t; s++) {
                    double dot = 0;
                    for (int c = 0; c < hd; c++) dot += q[t][h * hd + c] * k[s][kh * hd + c];
                    p[s] = dot * scale;
                    max = Math.max(max, p[s]);
                }
                for (int s = 0; s <= t; s++) sum += p[s] = Math.exp(p[s] - max);
                for (int c = 0; c < hd; c++) {
                    double o = 0;
                    for (int s = 0; s <= t; s++) o += p[s] / sum * v[s][kh * hd + c];
                    out[t][h * hd + c] = o;
                }
            }
        }
        return out;
    }

    private static void addInto(double[][] x, double[][] y) {
        for (int t = 0; t < x.length; t++) for (int i = 0; i < x[t].length; i++) x[t][i] += y[t][i];
    }

    private double[][] gpt2(int[] ids) {
        String p = w.containsKey("transformer.wte.weight") ? "transformer." : "";
        int d = i("n_embd", 768), heads = i("n_head", 12), layers = i("n_layer", 12), inner = i("n_inner", 4 * d);
        int vocab = i("vocab_size", 50257);
        double eps = d("layer_norm_epsilon", 1e-5);
        String act = cfg.has("activation_function") ? cfg.get("activation_function").asText() : "gelu_new";
        int T = ids.length;
        double[][] x = new double[T][d];
        for (int t = 0; t < T; t++)
            for (int c = 0; c < d; c++) x[t][c] = w.get(p + "wte.weight")[ids[t] * d + c] + w.get(p + "wpe.weight")[t * d + c];
        for (int l = 0; l < layers; l++) {
            String h = p + "h." + l + ".";
            double[][] a = layerNorm(x, w.get(h + "ln_1.weight"), w.get(h + "ln_1.bias"), eps);
            double[][] qkv = linear(a, w.get(h + "attn.c_attn.weight"), w.get(h + "attn.c_attn.bias"), d, 3 * d, true);
            double[][] q = new double[T][d], k = new double[T][d], v = new double[T][d];
            for (int t = 0; t < T; t++) {
                System.arraycopy(qkv[t], 0, q[t], 0, d);
                System.arraycopy(qkv[t], d, k[t], 0, d);
                System.arraycopy(qkv[t], 2 * d, v[t], 0, d);
            }
            double[][] att = attention(q, k, v, heads, heads, d / heads);
            addInto(x, linear(att, w.get(h + "attn.c_proj.weight"), w.get(h + "attn.c_proj.bias"), d, d, true));
            double[][] m = layerNorm(x, w.get(h + "ln_2.weight"), w.get(h + "ln_2.bias"), eps);
            double[][] f = linear(m, w.get(h + "mlp.c_fc.weight"), w.get(h + "mlp.c_fc.bias"), d, inner, true);
            for (double[] row : f)
                for (int c = 0; c < inner; c++) {
                    double z = row[c];
                    row[c] = act.equals("gelu") ? 0.5 * z * (1 + specdec.engine.TestMath.erf(z / Math.sqrt(2)))
                            : 0.5 * z * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (z + 0.044715 * z * z * z)));
                }
            addInto(x, linear(f, w.get(h + "mlp.c_proj.weight"), w.get(h + "mlp.c_proj.bias"), inner, d, true));
        }
        double[][] n = layerNorm(x, w.get(p + "ln_f.weight"), w.get(p + "ln_f.bias"), eps);
        return linear(n, w.get(p + "wte.weight"), null, d, vocab, false);
    }

    private double[] invFreq(int hd) {
        double theta = d("rope_theta", 10000);
        double[] inv = new double[hd / 2];
        for (int c = 0; c < hd / 2; c++) inv[c] = 1 / Math.pow(theta, 2.0 * c / hd);
        JsonNode rs = cfg.get("rope_scaling");
        if (rs != null && !rs.isNull()) {
            String type = rs.has("rope_type") ? rs.get("rope_type").asText() : rs.get("type").asText();
            double factor = rs.get("factor").asDouble();
            for (int c = 0; c < inv.length; c++) {
                if (type.equals("linear")) {
                    inv[c] /= factor;
                } else if (type.equals("llama3")) {
                    double lo = rs.get("low_freq_factor").asDouble(), hi = rs.get("high_freq_factor").asDouble();
                    double old = rs.get("original_max_position_embeddings").asDouble();
                    double wavelen = 2 * Math.PI / inv[c];
                    if (wavelen > old / lo) inv[c] /= factor;
                    else if (wavelen >= old / hi) {
                        double smooth = (old / wavelen - lo) / (hi - lo);
                        inv[c] = (1 - smooth) * inv[c] / factor + smooth * inv[c];
                    }
                }
            }
        }
        return inv;
    }

    private static void rope(double[][] x, int heads, int hd, double[] inv) {
        for (int t = 0; t < x.length; t++)
            for (int h = 0; h < heads; h++)
                for (int c = 0; c < hd / 2; c++) {
                    int a = h * hd + c, b = a + hd / 2;
                    double ang = t * inv[c], x0 = x[t][a], x1 = x[t][b];
                    x[t][a] = x0 * Math.cos(ang) - x1 * Math.sin(ang);
                    x[t][b] = x1 * Math.cos(ang) + x0 * Math.sin(ang);
                }
    }

    private double[][] llama(int[] ids) {
        int d = i("hidden_size", 4096), heads = i("num_attention_heads", 32), kvHeads = i("num_key_value_heads", heads);
        int hd = i("head_dim", d / heads), layers = i("num_hidden_layers", 32), inner = i("intermediate_size", 11008);
        int vocab = i("vocab_size", 32000);
        double eps = d("rms_norm_eps", 1e-6);
        double[] inv = invFreq(hd);
        int T = ids.length;
        double[][] x = new double[T][d];
        for (int t = 0; t < T; t++) System.arraycopy(w.get("model.embed_tokens.weight"), ids[t] * d, x[t], 0, d);
        for (int l = 0; l < layers; l++) {
            String a = "model.layers." + l + ".self_attn.", m = "model.layers." + l + ".mlp.";
            double[][] h = rmsNorm(x, w.get("model.layers." + l + ".input_layernorm.weight"), eps);
            double[][] q = linear(h, w.get(a + "q_proj.weight"), w.get(a + "q_proj.bias"), d, heads * hd, false);
            double[][] k = linear(h, w.get(a + "k_proj.weight"), w.get(a + "k_proj.bias"), d, kvHeads * hd, false);
            double[][] v = linear(h, w.get(a + "v_proj.weight"), w.get(a + "v_proj.bias"), d, kvHeads * hd, false);
            rope(q, heads, hd, inv);
            rope(k, kvHeads, hd, inv);
            double[][] att = attention(q, k, v, heads, kvHeads, hd);
            addInto(x, linear(att, w.get(a + "o_proj.weight"), w.get(a + "o_proj.bias"), heads * hd, d, false));
            double[][] h2 = rmsNorm(x, w.get("model.layers." + l + ".post_attention_layernorm.weight"), eps);
            double[][] g = linear(h2, w.get(m + "gate_proj.weight"), w.get(m + "gate_proj.bias"), d, inner, false);
            double[][] u = linear(h2, w.get(m + "up_proj.weight"), w.get(m + "up_proj.bias"), d, inner, false);
            for (int t = 0; t < T; t++) for (int c = 0; c < inner; c++) g[t][c] = g[t][c] / (1 + Math.exp(-g[t][c])) * u[t][c];
            addInto(x, linear(g, w.get(m + "down_proj.weight"), w.get(m + "down_proj.bias"), inner, d, false));
        }
        double[][] n = rmsNorm(x, w.get("model.norm.weight"), eps);
        boolean tied = cfg.has("tie_word_embeddings") && cfg.get("tie_word_embeddings").asBoolean();
        return linear(n, w.get(tied ? "model.embed_tokens.weight" : "lm_head.weight"), null, d, vocab, false);
    }
}
