package specdec.models.tokenizer;

/** Text to token ids and back, as the model's Hugging Face tokenizer files define it. */
public interface TextTokenizer extends AutoCloseable {
    /** Ids of {@code text}; with {@code addSpecial} the tokens the tokenizer adds around a sequence (e.g. BOS). */
    int[] encode(String text, boolean addSpecial);

    String decode(int[] ids, boolean skipSpecial);

    int vocabSize();

    @Override
    void close();
}
