package specdec.tests;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import specdec.engine.backend.cpu.CpuBackend;
import specdec.engine.kv.KvCache;
import specdec.engine.tensor.DType;
import specdec.models.ModelInit;
import specdec.models.ModelLoader;
import specdec.models.Presets;
import specdec.models.TransformerModel;
import specdec.models.hub.HubCache;
import specdec.models.hub.HubDownloader;
import specdec.models.hub.ModelRef;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static specdec.tests.CliTest.assertUserError;
import static specdec.tests.CliTest.run;

/** Downloads from a local server that imitates the hub's resolve endpoints and its CDN. */
class HubDownloadTest {
    static final String COMMIT = "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00";

    @TempDir
    Path dir;
    HttpServer server;
    byte[] config, weights;
    final AtomicInteger weightGets = new AtomicInteger();
    final List<String> cdnAuth = new CopyOnWriteArrayList<>();
    final List<String> hubAuth = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        Path model = dir.resolve("src");
        ModelInit.write(Presets.get("gpt2", "tiny"), DType.F32, 3, false, model);
        config = Files.readAllBytes(model.resolve("config.json"));
        weights = Files.readAllBytes(model.resolve("model.safetensors"));
        String weightsSha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(weights));
        MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
        sha1.update(("blob " + config.length + "\0").getBytes(StandardCharsets.US_ASCII));
        String configSha1 = HexFormat.of().formatHex(sha1.digest(config));

        server = HttpServer.create(new InetSocketAddress(0), 0);
        server.createContext("/", ex -> {
            String path = ex.getRequestURI().getPath();
            hubAuth.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            if (path.startsWith("/org/gated/")) {
                ex.getResponseHeaders().add("X-Error-Code", "GatedRepo");
                send(ex, 401, new byte[0]);
            } else if (path.matches("/org/(tiny|bad)/resolve/[^/]+/config.json")) {
                ex.getResponseHeaders().add("ETag", "\"" + configSha1 + "\"");
                ex.getResponseHeaders().add("X-Repo-Commit", COMMIT);
                send(ex, 200, config);
            } else if (path.matches("/org/(tiny|bad)/resolve/[^/]+/model.safetensors")) {
                boolean bad = path.startsWith("/org/bad/");
                ex.getResponseHeaders().add("X-Linked-Etag", "\"" + (bad ? "ab".repeat(32) : weightsSha) + "\"");
                ex.getResponseHeaders().add("X-Linked-Size", String.valueOf(weights.length));
                ex.getResponseHeaders().add("X-Repo-Commit", COMMIT);
                // the CDN is another host name, as on the real hub
                ex.getResponseHeaders().add("Location", "http://localhost:" + server.getAddress().getPort() + "/cdn/weights");
                send(ex, 302, new byte[0]);
            } else {
                send(ex, 404, "{\"error\":\"Entry not found\"}".getBytes(StandardCharsets.UTF_8));
            }
        });
        server.createContext("/cdn/weights", ex -> {
            cdnAuth.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            if (ex.getRequestMethod().equals("HEAD")) {
                send(ex, 200, new byte[0]);
                return;
            }
            String range = ex.getRequestHeaders().getFirst("Range");
            int nth = weightGets.getAndIncrement();
            if (range == null && nth == 0) {
                // the first full download drops the connection halfway
                ex.sendResponseHeaders(200, weights.length);
                OutputStream o = ex.getResponseBody();
                o.write(weights, 0, weights.length / 2);
                o.flush();
                ex.close();
                return;
            }
            int from = range == null ? 0 : Integer.parseInt(range.replaceAll("bytes=(\\d+)-.*", "$1"));
            byte[] rest = java.util.Arrays.copyOfRange(weights, from, weights.length);
            if (range != null) ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (weights.length - 1) + "/" + weights.length);
            send(ex, range == null ? 200 : 206, rest);
        });
        server.start();
    }

    private static void send(HttpExchange ex, int code, byte[] body) throws IOException {
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(code, head || body.length == 0 ? -1 : body.length);
        if (!head && body.length > 0) {
            try (OutputStream o = ex.getResponseBody()) {
                o.write(body);
            }
        }
        ex.close();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Test
    void downloadsIntoTheStandardLayoutResumingADroppedTransfer() throws IOException {
        HubCache cache = new HubCache(dir.resolve("hub"));
        StringWriter progress = new StringWriter();
        Path snap = new HubDownloader(cache, endpoint(), "secret", new PrintWriter(progress)).download("org/tiny", "main");
        Path repo = cache.repoDir("org/tiny");
        assertThat(snap).isEqualTo(repo.resolve("snapshots").resolve(COMMIT));
        assertThat(Files.readString(repo.resolve("refs/main"))).isEqualTo(COMMIT);
        assertThat(Files.isSymbolicLink(snap.resolve("model.safetensors"))).isTrue();
        assertThat(Files.readAllBytes(snap.resolve("model.safetensors"))).isEqualTo(weights);
        assertThat(Files.readAllBytes(snap.resolve("config.json"))).isEqualTo(config);
        try (var blobs = Files.list(repo.resolve("blobs"))) {
            assertThat(blobs.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".incomplete")).hasSize(2);
        }
        assertThat(weightGets.get()).as("a dropped transfer, then a resumed one").isEqualTo(2);
        assertThat(progress.toString()).contains("model.safetensors");
        assertThat(hubAuth).contains("Bearer secret");
        assertThat(cdnAuth).as("the token never goes to the CDN").allMatch(a -> a.equals("null"));

        // offline from here on: the cache alone serves the model
        Path resolved = ModelRef.resolve("org/tiny", cache);
        assertThat(resolved).isEqualTo(snap);
        try (CpuBackend b = new CpuBackend(1); TransformerModel m = ModelLoader.load(resolved, b); KvCache c = m.newCache(3)) {
            assertThat(m.forward(new int[] {1, 2, 3}, c).rows()).isEqualTo(3);
        }
        // a second download finds everything in place
        new HubDownloader(cache, endpoint(), null, null).download("org/tiny", "main");
        assertThat(weightGets.get()).isEqualTo(2);
    }

    @Test
    void gatedMissingAndCorruptRepositoriesAreClearErrors() {
        HubCache cache = new HubCache(dir.resolve("hub"));
        HubDownloader d = new HubDownloader(cache, endpoint(), null, null);
        assertThatThrownBy(() -> d.download("org/gated", "main")).hasMessageContaining("HTTP 401").hasMessageContaining("GatedRepo")
                .hasMessageContaining("accept its licence").hasMessageContaining("HF_TOKEN");
        assertThatThrownBy(() -> d.download("org/none", "main")).hasMessageContaining("org/none").hasMessageContaining("not found");
        weightGets.set(1); // serve the bad repo's bytes in one go
        assertThatThrownBy(() -> d.download("org/bad", "main")).hasMessageContaining("checksum mismatch");
        assertThat(cache.repoDir("org/bad").resolve("snapshots").resolve(COMMIT).resolve("model.safetensors")).doesNotExist();
        assertThatThrownBy(() -> new HubDownloader(cache, "http://127.0.0.1:1", null, null).download("org/tiny", "main"))
                .hasMessageContaining("cannot reach");
    }

    @Test
    void downloadCommandAndOfflineMode() {
        Path cache = dir.resolve("cli-hub");
        CliTest.Result r = run("download", "org/tiny", "--cache-dir", cache.toString(), "--endpoint", endpoint());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().strip()).endsWith(COMMIT);
        assertUserError(run("--offline", "download", "org/tiny", "--cache-dir", cache.toString()), "offline");
        ModelRef.setOffline(false);
    }
}
