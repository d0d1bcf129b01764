package specdec.models.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import specdec.engine.SpecdecException;
import specdec.engine.io.AtomicFiles;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a SentencePiece BPE vocabulary (from GGUF) into the HF tokenizer.json that HF's own
 * converter would make of it: BPE with byte fallback whose merges come from the vocabulary,
 * ordered by the score of the merged piece; "▁" prepended and standing for every space, as
 * SentencePiece's dummy prefix does; a decoder that undoes it; BOS added by the post-processor.
 */
public final class SpmConverter {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SPACE = "\u2581";

    private SpmConverter() {}

    private record Merge(String left, String right, float score, int leftLen, int rightLen, int leftId, int rightId) {}

    /** Every split of every piece into two pieces of the vocabulary, highest merged score first. */
    static List<String> merges(String[] tokens, float[] scores) {
        Map<String, Integer> vocab = new HashMap<>();
        for (int i = 0; i < tokens.length; i++) vocab.putIfAbsent(tokens[i], i);
        List<Merge> all = new ArrayList<>();
        for (int id = 0; id < tokens.length; id++) {
            String piece = tokens[id];
            if (vocab.get(piece) != id) continue; // a duplicate piece scores once, as a dict would keep it
            int[] cps = piece.codePoints().toArray();
            List<Merge> local = new ArrayList<>();
            for (int cut = 1; cut < cps.length; cut++) {
                String l = new String(cps, 0, cut), r = new String(cps, cut, cps.length - cut);
                Integer li = vocab.get(l), ri = vocab.get(r);
                if (li != null && ri != null) local.add(new Merge(l, r, scores[id], cut, cps.length - cut, li, ri));
            }
            local.sort(Comparator.comparingInt(Merge::leftId).thenComparingInt(Merge::rightId));
            all.addAll(local);
        }
        // stable: equal keys keep the order above, as Python's sorted(reverse=True) does
        all.sort(Comparator.comparingDouble((Merge m) -> m.score()).thenComparingInt(Merge::leftLen)
                .thenComparingInt(Merge::rightLen).reversed());
        List<String> out = new ArrayList<>(all.size());
        for (Merge m : all) out.add(m.left() + " " + m.right());
        return out;
    }

    public static ObjectNode tokenizerJson(GgufVocab v, Path source) {
        if (!v.model().equals("llama")) {
            throw new SpecdecException(source + ": tokenizer.ggml.model is '" + v.model() + "'; only SentencePiece ('llama') vocabularies convert");
        }
        if (v.unkId() < 0 || v.bosId() < 0) throw new SpecdecException(source + ": tokenizer.ggml.unknown_token_id or bos_token_id is missing");
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int i = 0; i < v.tokens().length; i++) {
            int type = v.types()[i];
            if (type == GgufVocab.CONTROL || type == GgufVocab.UNKNOWN || type == GgufVocab.USER_DEFINED) {
                TokenizerJson.addedToken(added, i, v.tokens()[i], type != GgufVocab.USER_DEFINED);
            }
        }
        // Prepend "▁" then replace every space by "▁" (HF's legacy Llama normaliser). A Metaspace
        // pre-tokeniser would not prepend to text that already starts with a space, and " " would
        // become "▁" instead of SentencePiece's "▁▁" (id 259), which the golden vectors expect.
        ObjectNode norm = root.putObject("normalizer");
        norm.put("type", "Sequence");
        ArrayNode ns = norm.putArray("normalizers");
        ns.addObject().put("type", "Prepend").put("prepend", SPACE);
        ObjectNode rep = ns.addObject();
        rep.put("type", "Replace");
        rep.putObject("pattern").put("String", " ");
        rep.put("content", SPACE);
        root.putNull("pre_tokenizer");
        ObjectNode post = root.putObject("post_processor");
        post.put("type", "TemplateProcessing");
        String bos = v.tokens()[v.bosId()];
        ArrayNode single = post.putArray("single");
        if (v.addBos()) single.addObject().putObject("SpecialToken").put("id", bos).put("type_id", 0);
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        ArrayNode pair = post.putArray("pair");
        if (v.addBos()) pair.addObject().putObject("SpecialToken").put("id", bos).put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        if (v.addBos()) pair.addObject().putObject("SpecialToken").put("id", bos).put("type_id", 1);
        pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
        ObjectNode specials = post.putObject("special_tokens");
        if (v.addBos()) {
            ObjectNode s = specials.putObject(bos);
            s.put("id", bos);
            s.putArray("ids").add(v.bosId());
            s.putArray("tokens").add(bos);
        }
        ObjectNode dec = root.putObject("decoder");
        dec.put("type", "Sequence");
        ArrayNode steps = dec.putArray("decoders");
        ObjectNode replace = steps.addObject();
        replace.put("type", "Replace");
        replace.putObject("pattern").put("String", SPACE);
        replace.put("content", " ");
        steps.addObject().put("type", "ByteFallback");
        steps.addObject().put("type", "Fuse");
        ObjectNode strip = steps.addObject();
        strip.put("type", "Strip");
        strip.put("content", " ");
        strip.put("start", 1);
        strip.put("stop", 0);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.put("unk_token", v.tokens()[v.unkId()]);
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", true);
        model.put("byte_fallback", true);
        model.put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        for (int i = 0; i < v.tokens().length; i++) if (!vocab.has(v.tokens()[i])) vocab.put(v.tokens()[i], i);
        ArrayNode merges = model.putArray("merges");
        for (String m : merges(v.tokens(), v.scores())) merges.add(m);
        return root;
    }

    /** Writes tokenizer.json and a tokenizer_config.json naming BOS/EOS into {@code dir}. */
    public static void convert(Path gguf, Path dir) {
        GgufVocab v = GgufVocab.read(gguf);
        ObjectNode tok = tokenizerJson(v, gguf);
        ObjectNode cfg = JSON.createObjectNode();
        cfg.put("tokenizer_class", "LlamaTokenizerFast");
        cfg.put("bos_token", v.tokens()[v.bosId()]);
        if (v.eosId() >= 0) cfg.put("eos_token", v.tokens()[v.eosId()]);
        cfg.put("unk_token", v.tokens()[v.unkId()]);
        // BOS comes from the post-processor above; add_bos_token is left out so it is not added twice
        cfg.put("legacy", false);
        try {
            byte[] tokBytes = JSON.writeValueAsBytes(tok), cfgBytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(cfg);
            AtomicFiles.write(dir.resolve("tokenizer.json"), tmp -> java.nio.file.Files.write(tmp, tokBytes));
            AtomicFiles.write(dir.resolve("tokenizer_config.json"), tmp -> java.nio.file.Files.write(tmp, cfgBytes));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
