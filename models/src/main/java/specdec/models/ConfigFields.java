package specdec.models;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import specdec.engine.SpecdecException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Typed reads of a config.json with errors that name the file and the field. */
public final class ConfigFields {
    private final Path file;
    private final JsonNode root;
    private final String prefix;

    public ConfigFields(Path file, JsonNode root) {
        this(file, root, "");
    }

    private ConfigFields(Path file, JsonNode root, String prefix) {
        this.file = file;
        this.root = root;
        this.prefix = prefix;
    }

    public static ConfigFields read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new SpecdecException(file + ": not found (a model directory needs a config.json)");
        } catch (IOException e) {
            throw new SpecdecException(file + ": cannot read: " + e.getMessage(), e);
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(text);
        } catch (IOException e) {
            throw new SpecdecException(file + ": not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (root == null || !root.isObject()) throw new SpecdecException(file + ": not a JSON object");
        return new ConfigFields(file, root);
    }

    public Path file() {
        return file;
    }

    public JsonNode root() {
        return root;
    }

    public SpecdecException error(String field, String problem) {
        return new SpecdecException(file + ": field '" + prefix + field + "' " + problem);
    }

    private JsonNode present(String name) {
        JsonNode n = root.get(name);
        return n == null || n.isNull() ? null : n;
    }

    public boolean has(String name) {
        return present(name) != null;
    }

    /** The first of {@code names} that is present, as a positive int; {@code dflt} if none is (null: required). */
    public int positiveInt(Integer dflt, String... names) {
        for (String name : names) {
            JsonNode n = present(name);
            if (n == null) continue;
            if (!n.isIntegralNumber() || !n.canConvertToInt()) throw error(name, "must be an integer, got " + n);
            if (n.asInt() <= 0) throw error(name, "must be positive, got " + n.asInt());
            return n.asInt();
        }
        if (dflt == null) throw error(names[0], "is missing");
        return dflt;
    }

    /** An integer or a list of integers (HF allows both for eos_token_id), each >= 0; empty if absent. */
    public int[] intList(String name) {
        JsonNode n = present(name);
        if (n == null) return new int[0];
        JsonNode[] items = n.isArray() ? new JsonNode[n.size()] : new JsonNode[] {n};
        if (n.isArray()) for (int i = 0; i < n.size(); i++) items[i] = n.get(i);
        int[] out = new int[items.length];
        for (int i = 0; i < items.length; i++) {
            if (!items[i].isIntegralNumber() || !items[i].canConvertToInt() || items[i].asInt() < 0) {
                throw error(name, "must be a non-negative integer or a list of them, got " + n);
            }
            out[i] = items[i].asInt();
        }
        return out;
    }

    public double positiveDouble(double dflt, String name) {
        JsonNode n = present(name);
        if (n == null) return dflt;
        if (!n.isNumber()) throw error(name, "must be a number, got " + n);
        if (!(n.asDouble() > 0)) throw error(name, "must be positive, got " + n);
        return n.asDouble();
    }

    public String string(String dflt, String name) {
        JsonNode n = present(name);
        if (n == null) return dflt;
        if (!n.isTextual()) throw error(name, "must be a string, got " + n);
        return n.asText();
    }

    public boolean bool(boolean dflt, String name) {
        JsonNode n = present(name);
        if (n == null) return dflt;
        if (!n.isBoolean()) throw error(name, "must be true or false, got " + n);
        return n.asBoolean();
    }

    /** A nested object, or null when absent. */
    public ConfigFields object(String name) {
        JsonNode n = present(name);
        if (n == null) return null;
        if (!n.isObject()) throw error(name, "must be an object, got " + n);
        return new ConfigFields(file, n, prefix + name + ".");
    }
}
