package specdec.engine.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import specdec.engine.SpecdecException;
import specdec.engine.io.AtomicFiles;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a safetensors file. Tensor contents are produced straight into the mapped output by a
 * {@link Filler}, so multi-gigabyte models never pass through the heap. The file appears under
 * its final name only when complete.
 */
public final class SafetensorsWriter {

    /** Fills {@code target}, the tensor's bytes (little-endian), in place. */
    @FunctionalInterface
    public interface Filler {
        void fill(MemorySegment target);
    }

    private record Entry(String name, DType dtype, long[] shape, Filler filler) {}

    private final List<Entry> entries = new ArrayList<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    public SafetensorsWriter add(String name, DType dtype, long[] shape, Filler filler) {
        for (Entry e : entries) {
            if (e.name.equals(name)) throw new IllegalArgumentException("duplicate tensor " + name);
        }
        entries.add(new Entry(name, dtype, shape.clone(), filler));
        return this;
    }

    /** Adds a float tensor given as an array, converting to {@code dtype}. */
    public SafetensorsWriter add(String name, DType dtype, long[] shape, float[] values) {
        return add(name, dtype, shape, seg -> Encoders.encode(values, dtype, seg));
    }

    public void write(Path path) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode header = json.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode m = header.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        long offset = 0;
        long[] begins = new long[entries.size()];
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            long n = 1;
            for (long d : e.shape) n = Math.multiplyExact(n, d);
            long bytes = n * e.dtype.bytes();
            ObjectNode t = header.putObject(e.name);
            t.put("dtype", e.dtype.name());
            ArrayNode s = t.putArray("shape");
            for (long d : e.shape) s.add(d);
            ArrayNode o = t.putArray("data_offsets");
            o.add(offset);
            o.add(offset + bytes);
            begins[i] = offset;
            offset += bytes;
        }
        byte[] headerJson;
        try {
            headerJson = json.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        // The format asks for the data section to start 8-byte aligned; pad the header with spaces.
        int padded = (headerJson.length + 7) & ~7;
        long total = 8 + padded + offset;
        AtomicFiles.write(path, tmp -> {
            try (Arena arena = Arena.ofShared();
                 FileChannel ch = FileChannel.open(tmp, StandardOpenOption.READ, StandardOpenOption.WRITE,
                         StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING)) {
                MemorySegment out = ch.map(FileChannel.MapMode.READ_WRITE, 0, total, arena);
                out.set(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, padded);
                MemorySegment.copy(headerJson, 0, out, ValueLayout.JAVA_BYTE, 8, headerJson.length);
                for (int i = headerJson.length; i < padded; i++) out.set(ValueLayout.JAVA_BYTE, 8 + i, (byte) ' ');
                MemorySegment data = out.asSlice(8 + padded);
                for (int i = 0; i < entries.size(); i++) {
                    Entry e = entries.get(i);
                    long n = 1;
                    for (long d : e.shape) n *= d;
                    e.filler.fill(data.asSlice(begins[i], n * e.dtype.bytes()));
                }
                out.force();
            } catch (IOException ex) {
                throw new SpecdecException(path + ": cannot write: " + SafetensorsFile.describe(ex), ex);
            }
        });
    }
}
