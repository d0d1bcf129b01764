package specdec.tests;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static specdec.tests.CliTest.assertUserError;
import static specdec.tests.CliTest.run;

/** `specdec ollama` against a fake Ollama server on loopback. */
class OllamaCheckTest {
    HttpServer server;
    final AtomicReference<String> lastGenerateBody = new AtomicReference<>();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        reply("/api/version", 200, "{\"version\":\"0.9.9\"}");
        reply("/api/tags", 200, "{\"models\":[{\"name\":\"llama3.2:1b\",\"size\":1321098329,"
                + "\"details\":{\"parameter_size\":\"1.2B\",\"quantization_level\":\"Q8_0\",\"family\":\"llama\"}},"
                + "{\"name\":\"qwen2.5:0.5b\",\"size\":397821319,\"details\":{\"parameter_size\":\"494.03M\",\"quantization_level\":\"Q4_K_M\"}}]}");
        server.createContext("/api/generate", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            lastGenerateBody.set(body);
            boolean known = body.contains("\"llama3.2:1b\"");
            byte[] out = (known ? "{\"response\":\"Rayleigh scattering.\",\"eval_count\":20,\"eval_duration\":400000000,\"done\":true}"
                    : "{\"error\":\"model 'nope' not found\"}").getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(known ? 200 : 404, out.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(out);
            }
        });
        server.start();
    }

    private void reply(String path, int code, String json) {
        server.createContext(path, ex -> {
            byte[] out = json.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(code, out.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(out);
            }
        });
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private String host() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Test
    void listsModelsAndRunsATestGeneration() {
        CliTest.Result r = run("ollama", "--host", host(), "--model", "llama3.2:1b", "--prompt", "Why blue?", "--max-tokens", "20");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("Ollama 0.9.9").contains("llama3.2:1b").contains("1.2B").contains("Q8_0").contains("1.32 GB")
                .contains("qwen2.5:0.5b").contains("Q4_K_M").contains("Rayleigh scattering.").contains("20 tokens, 50.0 tok/s");
        assertThat(lastGenerateBody.get()).contains("\"stream\":false").contains("\"num_predict\":20").contains("Why blue?");
    }

    @Test
    void unknownModelAndNoServerAreClearErrors() {
        assertUserError(run("ollama", "--host", host(), "--model", "nope"), "HTTP 404", "model 'nope' not found");
        int port = server.getAddress().getPort();
        server.stop(0);
        assertUserError(run("ollama", "--host", "127.0.0.1:" + port), "no Ollama server answers", String.valueOf(port));
    }
}
