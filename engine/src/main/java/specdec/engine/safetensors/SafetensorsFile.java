package specdec.engine.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import specdec.engine.SpecdecException;
import specdec.engine.tensor.DType;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One memory-mapped safetensors file: an 8-byte little-endian header length, a JSON header, then
 * the raw tensor bytes. Tensors are handed out as slices of the mapping, never copied.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** The reference implementation refuses headers over 100 MB; so do we. */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path path;
    private final Arena arena;
    private final MemorySegment data;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, Arena arena, MemorySegment data,
                            Map<String, TensorInfo> tensors, Map<String, String> metadata) {
        this.path = path;
        this.arena = arena;
        this.data = data;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /**
     * The same mapped bytes, viewed as a plain native segment of the same arena. The kernels' call
     * sites then see one segment class for mapped weights and for weights made at load (transposed,
     * quantised); two classes there make C2 give up its vector intrinsics and box every vector
     * (measured 30x slower for a 5-token forward).
     */
    private static MemorySegment asPlainNative(MemorySegment mapped, Arena arena) {
        return MemorySegment.ofAddress(mapped.address()).reinterpret(mapped.byteSize(), arena, null);
    }

    public static SafetensorsFile open(Path path) {
        Arena arena = Arena.ofShared();
        try {
            MemorySegment whole;
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
                long size = ch.size();
                if (size < 8) throw error(path, "file is " + size + " bytes, shorter than the 8-byte header length");
                whole = asPlainNative(ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena), arena);
            }
            long headerLen = whole.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
            if (headerLen < 0 || headerLen > MAX_HEADER_BYTES) {
                throw error(path, "header length " + Long.toUnsignedString(headerLen) + " exceeds the " + MAX_HEADER_BYTES + "-byte cap");
            }
            if (8 + headerLen > whole.byteSize()) {
                throw error(path, "header length " + headerLen + " runs past the end of the file (" + whole.byteSize() + " bytes)");
            }
            byte[] headerBytes = whole.asSlice(8, headerLen).toArray(ValueLayout.JAVA_BYTE);
            MemorySegment data = whole.asSlice(8 + headerLen);
            Map<String, String> metadata = new LinkedHashMap<>();
            Map<String, TensorInfo> tensors = parseHeader(path, headerBytes, data.byteSize(), metadata);
            return new SafetensorsFile(path, arena, data, tensors, metadata);
        } catch (IOException e) {
            arena.close();
            throw new SpecdecException(path + ": cannot read: " + describe(e), e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    static String describe(IOException e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : " " + m);
    }

    private static SafetensorsException error(Path path, String message) {
        return new SafetensorsException(path + ": " + message);
    }

    private static Map<String, TensorInfo> parseHeader(Path path, byte[] headerBytes, long dataSize,
                                                       Map<String, String> metadata) {
        JsonNode root;
        try {
            root = JSON.readTree(new String(headerBytes, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw error(path, "header is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) throw error(path, "header is not a JSON object");
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            JsonNode node = e.getValue();
            if (name.equals("__metadata__")) {
                if (!node.isObject()) throw error(path, "__metadata__ is not an object");
                node.fields().forEachRemaining(m -> {
                    if (!m.getValue().isTextual()) throw error(path, "__metadata__ value '" + m.getKey() + "' is not a string");
                    metadata.put(m.getKey(), m.getValue().asText());
                });
                continue;
            }
            tensors.put(name, parseEntry(path, name, node, dataSize));
        }
        checkOverlaps(path, tensors);
        return Collections.unmodifiableMap(tensors);
    }

    private static TensorInfo parseEntry(Path path, String name, JsonNode node, long dataSize) {
        String where = "tensor '" + name + "'";
        if (!node.isObject()) throw error(path, where + " is not an object");
        JsonNode dt = node.get("dtype");
        if (dt == null || !dt.isTextual()) throw error(path, where + ": missing or non-string field 'dtype'");
        DType dtype;
        try {
            dtype = DType.parse(dt.asText());
        } catch (SpecdecException ex) {
            throw error(path, where + ": unknown dtype '" + dt.asText() + "'");
        }
        JsonNode sh = node.get("shape");
        if (sh == null || !sh.isArray()) throw error(path, where + ": missing or non-array field 'shape'");
        long[] shape = new long[sh.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = sh.get(i);
            if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
                throw error(path, where + ": shape entry " + i + " is not a non-negative integer");
            }
            shape[i] = d.asLong();
        }
        JsonNode off = node.get("data_offsets");
        if (off == null || !off.isArray() || off.size() != 2 || !off.get(0).isIntegralNumber() || !off.get(1).isIntegralNumber()) {
            throw error(path, where + ": field 'data_offsets' must be [begin, end]");
        }
        long begin = off.get(0).asLong();
        long end = off.get(1).asLong();
        if (begin < 0 || end < begin) throw error(path, where + ": data_offsets [" + begin + ", " + end + "] are not an increasing pair");
        if (end > dataSize) {
            throw error(path, where + ": data_offsets end " + end + " is past the end of the data section (" + dataSize + " bytes)");
        }
        TensorInfo info = new TensorInfo(name, dtype, shape, begin, end);
        long expected;
        try {
            expected = Math.multiplyExact(info.numel(), (long) dtype.bytes());
        } catch (ArithmeticException ex) {
            throw error(path, where + ": shape " + info.shapeString() + " overflows");
        }
        if (expected != end - begin) {
            throw error(path, where + ": data_offsets span " + (end - begin) + " bytes but dtype " + dtype
                    + " x shape " + info.shapeString() + " needs " + expected);
        }
        return info;
    }

    private static void checkOverlaps(Path path, Map<String, TensorInfo> tensors) {
        List<TensorInfo> sorted = new ArrayList<>(tensors.values());
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        TensorInfo prev = null;
        for (TensorInfo t : sorted) {
            if (t.byteSize() == 0) continue;
            if (prev != null && t.begin() < prev.end()) {
                throw error(path, "tensor '" + t.name() + "' bytes [" + t.begin() + ", " + t.end()
                        + ") overlap tensor '" + prev.name() + "' [" + prev.begin() + ", " + prev.end() + ")");
            }
            prev = t;
        }
    }

    public Path path() {
        return path;
    }

    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    /** The tensor's bytes, a slice of the mapping (valid until close). */
    public MemorySegment bytes(TensorInfo info) {
        return data.asSlice(info.begin(), info.byteSize());
    }

    @Override
    public void close() {
        arena.close();
    }
}
