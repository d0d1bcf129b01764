package specdec.models.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import specdec.engine.SpecdecException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Finds a model directory's tokenizer: {@code tokenizer.json}, or GPT-2's {@code vocab.json} +
 * {@code merges.txt} (turned into the equivalent byte-level BPE tokenizer.json), with
 * {@code tokenizer_config.json} deciding whether BOS is added.
 */
public final class Tokenizers {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Tokenizers() {}

    public static boolean available(Path dir) {
        return Files.exists(dir.resolve("tokenizer.json"))
                || (Files.exists(dir.resolve("vocab.json")) && Files.exists(dir.resolve("merges.txt")));
    }

    public static TextTokenizer load(Path dir) {
        Path json = dir.resolve("tokenizer.json");
        if (!Files.exists(json)) {
            if (!available(dir)) {
                throw new SpecdecException(dir + ": no tokenizer.json (or vocab.json + merges.txt) in the model directory");
            }
            json = fromVocabAndMerges(dir);
        }
        JsonNode tok = read(json);
        return new HfTokenizer(json, bosToAdd(dir, tok, json), idCount(tok));
    }

    /** One more than the largest id of the model vocabulary and the added tokens. */
    private static int idCount(JsonNode tok) {
        int max = -1;
        for (JsonNode id : tok.path("model").path("vocab")) max = Math.max(max, id.asInt());
        for (JsonNode added : tok.path("added_tokens")) max = Math.max(max, added.path("id").asInt());
        return max + 1;
    }

    /** The BOS id when tokenizer_config.json sets add_bos_token, else -1. */
    private static int bosToAdd(Path dir, JsonNode tok, Path tokenizerJson) {
        Path cfg = dir.resolve("tokenizer_config.json");
        if (!Files.exists(cfg)) return -1;
        JsonNode c = read(cfg);
        if (!c.path("add_bos_token").asBoolean(false)) return -1;
        JsonNode bos = c.get("bos_token");
        String content = bos == null ? null : bos.isTextual() ? bos.asText() : bos.path("content").asText(null);
        if (content == null) throw new SpecdecException(cfg + ": add_bos_token is true but field 'bos_token' is missing");
        for (JsonNode added : tok.path("added_tokens")) {
            if (content.equals(added.path("content").asText())) return added.path("id").asInt();
        }
        JsonNode id = tok.path("model").path("vocab").get(content);
        if (id == null) throw new SpecdecException(cfg + ": bos_token '" + content + "' is not in " + tokenizerJson);
        return id.asInt();
    }

    private static JsonNode read(Path p) {
        try {
            return JSON.readTree(p.toFile());
        } catch (IOException e) {
            throw new SpecdecException(p + ": not valid JSON: " + e.getMessage(), e);
        }
    }

    /** GPT-2's two-file format as a byte-level BPE tokenizer.json, written next to nothing else (a temp file). */
    static Path fromVocabAndMerges(Path dir) {
        Path vocabFile = dir.resolve("vocab.json"), mergesFile = dir.resolve("merges.txt");
        JsonNode vocab = read(vocabFile);
        if (!vocab.isObject()) throw new SpecdecException(vocabFile + ": not a JSON object of token -> id");
        List<String> lines;
        try {
            lines = Files.readAllLines(mergesFile);
        } catch (IOException e) {
            throw new SpecdecException(mergesFile + ": cannot read: " + e.getMessage(), e);
        }
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("<|endoftext|>")) TokenizerJson.addedToken(added, e.getValue().asInt(), e.getKey(), true);
        }
        root.putNull("normalizer");
        root.set("pre_tokenizer", byteLevel(false));
        root.set("post_processor", byteLevel(true));
        root.set("decoder", byteLevel(true));
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.put("continuing_subword_prefix", "");
        model.put("end_of_word_suffix", "");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.set("vocab", vocab);
        ArrayNode merges = model.putArray("merges");
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isEmpty() || (i == 0 && line.startsWith("#version"))) continue;
            if (line.split(" ").length != 2) throw new SpecdecException(mergesFile + ": line " + (i + 1) + " is not a pair of tokens");
            merges.add(line);
        }
        try {
            Path tmp = Files.createTempFile("specdec-tokenizer", ".json");
            tmp.toFile().deleteOnExit();
            JSON.writeValue(tmp.toFile(), root);
            return tmp;
        } catch (IOException e) {
            throw new SpecdecException("cannot write a tokenizer.json for " + dir + ": " + e.getMessage(), e);
        }
    }

    private static ObjectNode byteLevel(boolean addPrefixSpace) {
        ObjectNode n = JSON.createObjectNode();
        n.put("type", "ByteLevel");
        n.put("add_prefix_space", addPrefixSpace);
        n.put("trim_offsets", true);
        n.put("use_regex", true);
        return n;
    }
}
