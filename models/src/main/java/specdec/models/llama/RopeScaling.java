package specdec.models.llama;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import specdec.models.ConfigFields;

/** The rope_scaling block of a Llama config: "linear" or "llama3" (null when absent or "default"). */
public record RopeScaling(String type, double factor, double lowFreqFactor, double highFreqFactor,
                          int originalMaxPositionEmbeddings) {

    public static RopeScaling parse(ConfigFields f) {
        ConfigFields s = f.object("rope_scaling");
        if (s == null) return null;
        String type = s.string(null, "rope_type");
        if (type == null) type = s.string(null, "type");
        if (type == null) throw s.error("rope_type", "is missing");
        return switch (type) {
            case "default" -> null;
            case "linear" -> new RopeScaling(type, s.positiveDouble(1.0, "factor"), 0, 0, 0);
            case "llama3" -> {
                double low = s.positiveDouble(1.0, "low_freq_factor");
                double high = s.positiveDouble(4.0, "high_freq_factor");
                if (!(high > low)) throw s.error("high_freq_factor", "(" + high + ") must exceed low_freq_factor (" + low + ")");
                yield new RopeScaling(type, s.positiveDouble(8.0, "factor"), low, high,
                        s.positiveInt(8192, "original_max_position_embeddings"));
            }
            default -> throw s.error("rope_type", "'" + type + "' is not supported (supported: default, linear, llama3)");
        };
    }

    public static RopeScaling llama3(double factor, double low, double high, int originalMax) {
        return new RopeScaling("llama3", factor, low, high, originalMax);
    }

    public ObjectNode toJson() {
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("rope_type", type);
        o.put("factor", factor);
        if (type.equals("llama3")) {
            o.put("low_freq_factor", lowFreqFactor);
            o.put("high_freq_factor", highFreqFactor);
            o.put("original_max_position_embeddings", originalMaxPositionEmbeddings);
        }
        return o;
    }
}
