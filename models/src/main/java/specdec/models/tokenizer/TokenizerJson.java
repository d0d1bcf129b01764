package specdec.models.tokenizer;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Pieces of HF's tokenizer.json format that the two converters both write. */
final class TokenizerJson {
    private TokenizerJson() {}

    /** One entry of "added_tokens": matched whole, never split, not normalised. */
    static void addedToken(ArrayNode addedTokens, int id, String content, boolean special) {
        ObjectNode t = addedTokens.addObject();
        t.put("id", id);
        t.put("content", content);
        t.put("single_word", false);
        t.put("lstrip", false);
        t.put("rstrip", false);
        t.put("normalized", false);
        t.put("special", special);
    }
}
