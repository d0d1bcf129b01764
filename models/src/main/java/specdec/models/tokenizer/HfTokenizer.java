package specdec.models.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import specdec.engine.SpecdecException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * A {@code tokenizer.json} run by Hugging Face's own tokenizers library (through DJL's binding),
 * so BPE, byte fallback and pre-tokenisation are exactly HF's. {@code bosId} >= 0 adds BOS when
 * tokenizer_config.json asks for it (add_bos_token) and the post-processor does not.
 */
final class HfTokenizer implements TextTokenizer {
    private final HuggingFaceTokenizer tokenizer;
    private final int bosId;
    private final int vocabSize;

    HfTokenizer(Path tokenizerJson, int bosId, int vocabSize) {
        try {
            this.tokenizer = HuggingFaceTokenizer.newInstance(tokenizerJson, Map.of(
                    "truncation", "false", "padding", "false", "addSpecialTokens", "false", "modelMaxLength", "100000000"));
        } catch (IOException | RuntimeException e) {
            throw new SpecdecException(tokenizerJson + ": not a usable tokenizer.json: " + e.getMessage(), e);
        }
        this.bosId = bosId;
        this.vocabSize = vocabSize;
    }

    @Override
    public int[] encode(String text, boolean addSpecial) {
        Encoding e = tokenizer.encode(text, addSpecial, false);
        long[] ids = e.getIds();
        boolean prependBos = addSpecial && bosId >= 0 && (ids.length == 0 || ids[0] != bosId);
        int[] out = new int[ids.length + (prependBos ? 1 : 0)];
        int at = 0;
        if (prependBos) out[at++] = bosId;
        for (long id : ids) out[at++] = Math.toIntExact(id);
        return out;
    }

    @Override
    public String decode(int[] ids, boolean skipSpecial) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) l[i] = ids[i];
        return tokenizer.decode(l, skipSpecial);
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
