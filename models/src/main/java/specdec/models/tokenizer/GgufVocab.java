package specdec.models.tokenizer;

import specdec.engine.SpecdecException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * The tokenizer metadata of a GGUF file (llama.cpp's format): tokens, scores, token types and
 * the special ids. Only the key/value header is read; tensors are ignored.
 */
public record GgufVocab(String model, String[] tokens, float[] scores, int[] types, int bosId, int eosId, int unkId,
                        boolean addBos) {
    /** llama.cpp token types. */
    public static final int NORMAL = 1, UNKNOWN = 2, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5, BYTE = 6;

    private static final int T_STRING = 8, T_ARRAY = 9;

    public static GgufVocab read(Path file) {
        Map<String, Object> kv = new HashMap<>();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()).order(ByteOrder.LITTLE_ENDIAN);
            if (b.remaining() < 24 || b.getInt() != 0x46554747) throw new SpecdecException(file + ": not a GGUF file (bad magic)");
            int version = b.getInt();
            if (version < 2 || version > 3) throw new SpecdecException(file + ": GGUF version " + version + " is not supported (2 or 3)");
            b.getLong(); // tensor count
            long count = b.getLong();
            for (long i = 0; i < count; i++) {
                String key = string(b, file);
                kv.put(key, value(b, b.getInt(), file, key));
            }
        } catch (IOException e) {
            throw new SpecdecException(file + ": cannot read: " + e.getMessage(), e);
        } catch (java.nio.BufferUnderflowException | IllegalArgumentException e) {
            throw new SpecdecException(file + ": truncated or malformed GGUF header");
        }
        Object tokens = kv.get("tokenizer.ggml.tokens");
        if (!(tokens instanceof String[] t)) throw new SpecdecException(file + ": no string array 'tokenizer.ggml.tokens'");
        float[] scores = kv.get("tokenizer.ggml.scores") instanceof float[] s ? s : new float[t.length];
        int[] types = kv.get("tokenizer.ggml.token_type") instanceof int[] ty ? ty : null;
        if (scores.length != t.length || (types != null && types.length != t.length)) {
            throw new SpecdecException(file + ": tokenizer.ggml.scores/token_type do not have one entry per token");
        }
        if (types == null) {
            types = new int[t.length];
            java.util.Arrays.fill(types, NORMAL);
        }
        return new GgufVocab(String.valueOf(kv.getOrDefault("tokenizer.ggml.model", "")), t, scores, types,
                id(kv, "tokenizer.ggml.bos_token_id"), id(kv, "tokenizer.ggml.eos_token_id"),
                id(kv, "tokenizer.ggml.unknown_token_id"), Boolean.TRUE.equals(kv.get("tokenizer.ggml.add_bos_token")));
    }

    private static int id(Map<String, Object> kv, String key) {
        return kv.get(key) instanceof Number n ? n.intValue() : -1;
    }

    private static String string(ByteBuffer b, Path file) {
        long n = b.getLong();
        if (n < 0 || n > b.remaining()) throw new SpecdecException(file + ": string length " + n + " runs past the end of the file");
        byte[] bytes = new byte[(int) n];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Scalars as boxed values; arrays of strings, floats and integers as arrays (others skipped). */
    private static Object value(ByteBuffer b, int type, Path file, String key) {
        switch (type) {
            case 0, 1 -> { return (int) b.get(); }
            case 2, 3 -> { return (int) b.getShort(); }
            case 4, 5 -> { return b.getInt(); }
            case 6 -> { return b.getFloat(); }
            case 7 -> { return b.get() != 0; }
            case T_STRING -> { return string(b, file); }
            case 10, 11 -> { return b.getLong(); }
            case 12 -> { return b.getDouble(); }
            case T_ARRAY -> {
                int itemType = b.getInt();
                long n = b.getLong();
                if (n < 0 || n > b.remaining()) throw new SpecdecException(file + ": array '" + key + "' of " + n + " items runs past the end of the file");
                int len = (int) n;
                switch (itemType) {
                    case T_STRING -> {
                        String[] a = new String[len];
                        for (int i = 0; i < len; i++) a[i] = string(b, file);
                        return a;
                    }
                    case 6 -> {
                        float[] a = new float[len];
                        for (int i = 0; i < len; i++) a[i] = b.getFloat();
                        return a;
                    }
                    case 4, 5 -> {
                        int[] a = new int[len];
                        for (int i = 0; i < len; i++) a[i] = b.getInt();
                        return a;
                    }
                    default -> {
                        for (int i = 0; i < len; i++) value(b, itemType, file, key);
                        return null;
                    }
                }
            }
            default -> throw new SpecdecException(file + ": value of '" + key + "' has unknown GGUF type " + type);
        }
    }
}
