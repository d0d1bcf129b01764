package specdec.models;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import specdec.engine.SpecdecException;
import specdec.engine.tensor.DType;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Named draft/target pairs: the built-in {@code pairs.yaml}, then the user's
 * ({@code ~/.config/specdec/pairs.yaml}, or {@code $SPECDEC_PAIRS}), later names replacing earlier.
 */
public final class PairRegistry {
    /** Random-weight presets written on first use; the draft is the same weights in another dtype. */
    public record Offline(String arch, String preset, long seed, String targetDtype, String draftDtype, String tokenizer) {}

    public record Pair(String name, String description, String target, String draft, Offline offline,
                       String unavailable, String source) {
        /** For self-speculation ("self:q4_0"), the format the target's own weights are quantised to for the draft; else null. */
        public DType selfDraftQuantization() {
            return selfQuantization(offline != null ? offline.draftDtype() : draft);
        }
    }

    /** "self:q8_0" or "self:q4_0" (the target's own checkpoint, quantised) as its format; null for anything else. */
    public static DType selfQuantization(String draft) {
        if (draft == null || !draft.startsWith("self:")) return null;
        return DType.parseQuantization(draft.substring("self:".length()));
    }

    private final Map<String, Pair> pairs;

    private PairRegistry(Map<String, Pair> pairs) {
        this.pairs = pairs;
    }

    public static PairRegistry load() {
        Map<String, Pair> all = new LinkedHashMap<>();
        try (InputStream in = PairRegistry.class.getResourceAsStream("/specdec/pairs.yaml")) {
            parse(new ObjectMapper(new YAMLFactory()).readTree(in), "built-in pairs.yaml", all);
        } catch (IOException e) {
            throw new IllegalStateException("the built-in pairs.yaml is unreadable", e);
        }
        String env = System.getenv("SPECDEC_PAIRS");
        Path user = env != null && !env.isBlank() ? Path.of(env)
                : Path.of(System.getProperty("user.home"), ".config", "specdec", "pairs.yaml");
        if (Files.exists(user)) addFile(user, all);
        else if (env != null && !env.isBlank()) throw new SpecdecException(user + " (SPECDEC_PAIRS): no such file");
        return new PairRegistry(all);
    }

    /** The built-in pairs plus those in {@code file}. */
    public static PairRegistry withFile(Path file) {
        PairRegistry base = load();
        Map<String, Pair> all = new LinkedHashMap<>(base.pairs);
        addFile(file, all);
        return new PairRegistry(all);
    }

    private static void addFile(Path file, Map<String, Pair> into) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
        } catch (IOException e) {
            throw new SpecdecException(file + ": not valid YAML: " + e.getMessage().lines().findFirst().orElse(""));
        }
        parse(root, file.toString(), into);
    }

    private static void parse(JsonNode root, String source, Map<String, Pair> into) {
        JsonNode list = root == null ? null : root.get("pairs");
        if (list == null || !list.isArray()) throw new SpecdecException(source + ": expected a list under 'pairs'");
        for (int i = 0; i < list.size(); i++) {
            JsonNode p = list.get(i);
            String where = source + ": pairs[" + i + "]";
            String name = text(p, "name", where, true);
            where = source + ": pair '" + name + "'";
            String target = text(p, "target", where, false), draft = text(p, "draft", where, false);
            Offline offline = null;
            JsonNode o = p.get("offline");
            if (o != null) {
                if (target != null || draft != null) throw new SpecdecException(where + ": give either 'offline' or 'target' and 'draft', not both");
                offline = new Offline(text(o, "arch", where + " offline", true), text(o, "preset", where + " offline", true),
                        o.path("seed").asLong(0), dtype(o, "target_dtype", "f32", where), dtype(o, "draft_dtype", "bf16", where),
                        text(o, "tokenizer", where + " offline", false));
                Presets.get(offline.arch(), offline.preset());
                if (selfQuantization(offline.draftDtype()) == null) DType.parseWeightType(offline.draftDtype());
            } else if (target == null || draft == null) {
                throw new SpecdecException(where + ": needs 'target' and 'draft' (or 'offline')");
            }
            into.put(name, new Pair(name, text(p, "description", where, false), target, draft, offline,
                    text(p, "unavailable", where, false), source));
        }
    }

    private static String dtype(JsonNode o, String field, String dflt, String where) {
        String v = text(o, field, where + " offline", false);
        return v == null ? dflt : v;
    }

    private static String text(JsonNode n, String field, String where, boolean required) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            if (required) throw new SpecdecException(where + ": field '" + field + "' is missing");
            return null;
        }
        if (!v.isValueNode()) throw new SpecdecException(where + ": field '" + field + "' must be a string");
        return v.asText();
    }

    public Collection<Pair> all() {
        return pairs.values();
    }

    public Pair get(String name) {
        Pair p = pairs.get(name);
        if (p == null) throw new SpecdecException("unknown pair '" + name + "' (known: " + String.join(", ", names()) + ")");
        return p;
    }

    public List<String> names() {
        return new ArrayList<>(pairs.keySet());
    }
}
