package specdec.bench.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import specdec.engine.safetensors.Checkpoint;
import specdec.engine.safetensors.TensorInfo;
import specdec.models.ModelConfig;
import specdec.models.ModelLoader;
import specdec.models.hub.ModelRef;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Print a model's config summary and its tensor table (name, dtype, shape, bytes).")
final class InspectCommand extends CliCommand implements Callable<Integer> {
    @Parameters(paramLabel = "MODEL", description = "Model directory, a .safetensors file, or a Hugging Face id from the local HF cache.")
    String arg;

    @Override
    public Integer call() {
        Path path = Files.exists(Path.of(arg)) ? Path.of(arg) : ModelRef.resolve(arg);
        if (Files.isDirectory(path) && Files.exists(path.resolve("config.json"))) {
            ModelConfig config = ModelLoader.readConfig(path);
            out().println("config: " + path.resolve("config.json"));
            for (Map.Entry<String, Object> e : config.summary().entrySet()) {
                out().printf("  %-26s %s%n", e.getKey(), e.getValue());
            }
        }
        try (Checkpoint ck = Checkpoint.open(path)) {
            out().println("weights: " + ck.describeFiles());
            Map<String, String> meta = ck.metadata();
            if (!meta.isEmpty()) out().println("  metadata: " + meta);
            int width = 4;
            for (String n : ck.names()) width = Math.max(width, n.length());
            out().printf("  %-" + width + "s  %-5s  %-18s  %s%n", "name", "dtype", "shape", "bytes");
            long total = 0, params = 0;
            for (String n : ck.names()) {
                TensorInfo t = ck.info(n);
                out().printf("  %-" + width + "s  %-5s  %-18s  %d%n", n, t.dtype(), t.shapeString(), t.byteSize());
                total += t.byteSize();
                params += t.numel();
            }
            out().printf("%d tensors, %,d parameters, %,d bytes%n", ck.size(), params, total);
        }
        return 0;
    }
}
