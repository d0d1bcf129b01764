package specdec.bench.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import specdec.engine.SpecdecException;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.Callable;

/** A hardware check against a local Ollama server; never part of benchmarking. */
@Command(name = "ollama", mixinStandardHelpOptions = true,
        description = "Check whether a local Ollama server answers, list its models (parameters, quantisation, size) "
                + "and optionally run a short test generation. A hardware check only, not a benchmark.")
final class OllamaCommand extends CliCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--host", description = "Server URL (default: $OLLAMA_HOST or http://127.0.0.1:11434).")
    String host;

    @Option(names = "--model", description = "Model for a test generation.")
    String model;

    @Option(names = "--prompt", defaultValue = "Why is the sky blue? Answer in one sentence.",
            description = "Prompt for the test generation (default: ${DEFAULT-VALUE}).")
    String prompt;

    @Option(names = "--max-tokens", defaultValue = "32", description = "Tokens to generate in the test (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    @Override
    public Integer call() {
        String base = baseUrl();
        JsonNode version = get(base, "/api/version");
        out().println("Ollama " + version.path("version").asText("?") + " at " + base);
        JsonNode models = get(base, "/api/tags").path("models");
        if (models.isEmpty()) out().println("no models pulled");
        for (JsonNode m : models) {
            JsonNode d = m.path("details");
            out().printf("  %-32s %-8s %-8s %6.2f GB%n", m.path("name").asText(), d.path("parameter_size").asText("?"),
                    d.path("quantization_level").asText("?"), m.path("size").asLong() / 1e9);
        }
        if (model != null) {
            ObjectNode body = JSON.createObjectNode();
            body.put("model", model);
            body.put("prompt", prompt);
            body.put("stream", false);
            body.putObject("options").put("num_predict", maxTokens);
            JsonNode r = post(base, "/api/generate", body);
            out().println(r.path("response").asText());
            long evalCount = r.path("eval_count").asLong(), evalNs = r.path("eval_duration").asLong();
            double tokPerSec = evalNs > 0 ? evalCount / (evalNs / 1e9) : Double.NaN;
            out().printf("%s: %d tokens, %.1f tok/s (Ollama's own eval timing)%n", model, evalCount, tokPerSec);
        }
        return 0;
    }

    private String baseUrl() {
        String h = host != null ? host : System.getenv().getOrDefault("OLLAMA_HOST", "http://127.0.0.1:11434");
        if (!h.startsWith("http://") && !h.startsWith("https://")) h = "http://" + h;
        return h.endsWith("/") ? h.substring(0, h.length() - 1) : h;
    }

    private JsonNode get(String base, String path) {
        return send(base, path, HttpRequest.newBuilder(uri(base, path)).GET());
    }

    private JsonNode post(String base, String path, JsonNode body) {
        return send(base, path, HttpRequest.newBuilder(uri(base, path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())));
    }

    private static URI uri(String base, String path) {
        try {
            return URI.create(base + path);
        } catch (IllegalArgumentException e) {
            throw new SpecdecException("--host: '" + base + "' is not a URL");
        }
    }

    private JsonNode send(String base, String path, HttpRequest.Builder request) {
        HttpResponse<String> response;
        try {
            response = http.send(request.timeout(Duration.ofMinutes(5)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new SpecdecException("no Ollama server answers at " + base + " (is 'ollama serve' running? set --host or OLLAMA_HOST)");
        } catch (HttpTimeoutException e) {
            throw new SpecdecException("the Ollama server at " + base + " did not answer " + path + " in time");
        } catch (IOException e) {
            throw new SpecdecException("talking to " + base + path + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SpecdecException("interrupted");
        }
        JsonNode body;
        try {
            body = JSON.readTree(response.body());
        } catch (IOException e) {
            throw new SpecdecException(base + path + " answered HTTP " + response.statusCode() + " with something that is not JSON");
        }
        if (response.statusCode() != 200) {
            throw new SpecdecException(base + path + " answered HTTP " + response.statusCode() + ": " + body.path("error").asText(response.body()));
        }
        return body;
    }
}
