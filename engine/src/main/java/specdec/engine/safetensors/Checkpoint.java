package specdec.engine.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import specdec.engine.SpecdecException;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The weights of one model: a single {@code model.safetensors} or the shards listed by
 * {@code model.safetensors.index.json}. Every tensor name maps to the file that holds it.
 */
public final class Checkpoint implements AutoCloseable {
    public static final String SINGLE = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";

    private final List<SafetensorsFile> files;
    private final Map<String, SafetensorsFile> owner;

    private Checkpoint(List<SafetensorsFile> files, Map<String, SafetensorsFile> owner) {
        this.files = files;
        this.owner = owner;
    }

    /** Opens a model directory, a {@code .safetensors} file, or an index file. */
    public static Checkpoint open(Path path) {
        if (Files.isDirectory(path)) {
            Path index = path.resolve(INDEX);
            if (Files.exists(index)) return openIndex(index);
            Path single = path.resolve(SINGLE);
            if (Files.exists(single)) return openFiles(List.of(single));
            throw new SpecdecException(path + ": no " + SINGLE + " or " + INDEX + " in this directory");
        }
        if (!Files.exists(path)) throw new SpecdecException(path + ": no such file or directory");
        if (path.getFileName().toString().endsWith(".json")) return openIndex(path);
        return openFiles(List.of(path));
    }

    private static Checkpoint openIndex(Path index) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readString(index));
        } catch (IOException e) {
            throw new SpecdecException(index + ": cannot read as JSON: " + SafetensorsFile.describe(e), e);
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject()) throw new SpecdecException(index + ": missing object field 'weight_map'");
        Map<String, String> weightMap = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) throw new SpecdecException(index + ": weight_map['" + e.getKey() + "'] is not a file name");
            weightMap.put(e.getKey(), e.getValue().asText());
        }
        Path dir = index.toAbsolutePath().getParent();
        Map<String, SafetensorsFile> byShard = new LinkedHashMap<>();
        List<SafetensorsFile> files = new ArrayList<>();
        Map<String, SafetensorsFile> owner = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, String> e : weightMap.entrySet()) {
                String shard = e.getValue();
                SafetensorsFile f = byShard.get(shard);
                if (f == null) {
                    Path p = dir.resolve(shard);
                    if (!Files.exists(p)) throw new SpecdecException(index + ": shard '" + shard + "' named for tensor '" + e.getKey() + "' does not exist");
                    f = SafetensorsFile.open(p);
                    byShard.put(shard, f);
                    files.add(f);
                }
                if (!f.tensors().containsKey(e.getKey())) {
                    throw new SpecdecException(index + ": weight_map puts tensor '" + e.getKey() + "' in " + shard + ", which does not hold it");
                }
                owner.put(e.getKey(), f);
            }
        } catch (RuntimeException ex) {
            files.forEach(SafetensorsFile::close);
            throw ex;
        }
        return new Checkpoint(files, Collections.unmodifiableMap(owner));
    }

    private static Checkpoint openFiles(List<Path> paths) {
        List<SafetensorsFile> files = new ArrayList<>();
        Map<String, SafetensorsFile> owner = new LinkedHashMap<>();
        for (Path p : paths) {
            SafetensorsFile f = SafetensorsFile.open(p);
            files.add(f);
            for (String name : f.tensors().keySet()) owner.put(name, f);
        }
        return new Checkpoint(files, Collections.unmodifiableMap(owner));
    }

    public boolean contains(String name) {
        return owner.containsKey(name);
    }

    public Iterable<String> names() {
        return owner.keySet();
    }

    public int size() {
        return owner.size();
    }

    public TensorInfo info(String name) {
        SafetensorsFile f = owner.get(name);
        if (f == null) throw new SafetensorsException(describeFiles() + ": missing tensor '" + name + "'");
        return f.tensors().get(name);
    }

    public Path fileOf(String name) {
        info(name);
        return owner.get(name).path();
    }

    public MemorySegment bytes(String name) {
        return owner.get(name).bytes(info(name));
    }

    public Map<String, String> metadata() {
        Map<String, String> all = new LinkedHashMap<>();
        files.forEach(f -> all.putAll(f.metadata()));
        return all;
    }

    /** The file, or the first file and how many shards, for error messages. */
    public String describeFiles() {
        if (files.size() == 1) return files.get(0).path().toString();
        return files.get(0).path().getParent().resolve(INDEX) + " (" + files.size() + " shards)";
    }

    @Override
    public void close() {
        files.forEach(SafetensorsFile::close);
    }
}
