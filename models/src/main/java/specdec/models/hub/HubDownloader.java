package specdec.models.hub;

import specdec.engine.SpecdecException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Downloads a model repository's files from a Hugging Face endpoint
 * ({@code $HF_ENDPOINT/REPO/resolve/REV/FILE}) into the standard cache layout: blobs named by
 * their etag, {@code snapshots/COMMIT/FILE} links to them, {@code refs/REV} naming the commit.
 * Partial files resume with a Range request; LFS files are checked against the sha256 the hub
 * reports; a blob appears under its final name only when complete and verified.
 */
public final class HubDownloader {
    /** Files a model may have; only config.json and the weights are required. */
    static final List<String> OPTIONAL = List.of("generation_config.json", "tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "vocab.json", "merges.txt", "tokenizer.model");
    private static final int MAX_REDIRECTS = 5;
    private static final int MAX_ATTEMPTS = 4;

    private final HubCache cache;
    private final String endpoint;
    private final String token;
    private final PrintWriter progress;
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(15)).build();

    public HubDownloader(HubCache cache, String endpoint, String token, PrintWriter progress) {
        this.cache = cache;
        this.endpoint = endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
        this.token = token == null || token.isBlank() ? null : token;
        this.progress = progress;
    }

    /** From the environment: HF_ENDPOINT (default https://huggingface.co) and HF_TOKEN. */
    public static HubDownloader fromEnvironment(HubCache cache, PrintWriter progress) {
        String ep = System.getenv("HF_ENDPOINT");
        return new HubDownloader(cache, ep == null || ep.isBlank() ? "https://huggingface.co" : ep, System.getenv("HF_TOKEN"), progress);
    }

    public static boolean offlineByEnvironment() {
        String v = System.getenv("HF_HUB_OFFLINE");
        return v != null && (v.equals("1") || v.equalsIgnoreCase("true") || v.equalsIgnoreCase("yes"));
    }

    private record Meta(String commit, String etag, long size, URI location) {}

    /** Downloads what is missing of {@code repoId} at {@code revision}; returns the snapshot folder. */
    public Path download(String repoId, String revision) {
        Meta config = head(repoId, revision, "config.json")
                .orElseThrow(() -> new SpecdecException(repoId + ": not found at " + endpoint + " (no config.json at revision '" + revision + "')"));
        String commit = config.commit() != null ? config.commit() : revision;
        Path snapshot = cache.repoDir(repoId).resolve("snapshots").resolve(commit);
        List<String> files = new ArrayList<>();
        files.add("config.json");
        Optional<Meta> index = head(repoId, commit, "model.safetensors.index.json");
        if (index.isPresent()) {
            fetchFile(repoId, commit, "model.safetensors.index.json", index.get(), snapshot);
            files.addAll(shardsOf(snapshot.resolve("model.safetensors.index.json")));
        } else {
            files.add("model.safetensors");
        }
        for (String f : files) {
            Meta m = head(repoId, commit, f).orElseThrow(() -> new SpecdecException(repoId + ": " + f + " not found at " + endpoint
                    + " (only safetensors checkpoints are supported)"));
            fetchFile(repoId, commit, f, m, snapshot);
        }
        for (String f : OPTIONAL) {
            Optional<Meta> m = head(repoId, commit, f);
            if (m.isPresent()) fetchFile(repoId, commit, f, m.get(), snapshot);
        }
        if (!revision.equals(commit)) writeRef(repoId, revision, commit);
        return snapshot;
    }

    private static List<String> shardsOf(Path index) {
        try {
            var root = new com.fasterxml.jackson.databind.ObjectMapper().readTree(index.toFile());
            var shards = new java.util.TreeSet<String>();
            root.path("weight_map").forEach(n -> shards.add(n.asText()));
            if (shards.isEmpty()) throw new SpecdecException(index + ": no shards in 'weight_map'");
            return new ArrayList<>(shards);
        } catch (IOException e) {
            throw new SpecdecException(index + ": not valid JSON: " + e.getMessage(), e);
        }
    }

    private void writeRef(String repoId, String revision, String commit) {
        try {
            Path ref = cache.repoDir(repoId).resolve("refs").resolve(revision);
            Files.createDirectories(ref.getParent());
            Path tmp = Files.createTempFile(ref.getParent(), ".ref", ".tmp");
            Files.writeString(tmp, commit);
            Files.move(tmp, ref, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new SpecdecException(cache.root() + ": cannot write refs/" + revision + ": " + e.getMessage(), e);
        }
    }

    private URI resolveUri(String repoId, String revision, String file) {
        return URI.create(endpoint + "/" + repoId + "/resolve/" + revision + "/" + file);
    }

    private HttpRequest.Builder request(URI uri) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(2)).header("User-Agent", "specdec/0.1");
        // the token goes to the hub only, never to the CDN a redirect points at
        if (token != null && uri.getHost() != null && uri.getHost().equals(URI.create(endpoint).getHost())) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    /** HEAD without following redirects: commit, etag (sha256 for LFS files), size; empty on 404. */
    private Optional<Meta> head(String repoId, String revision, String file) {
        URI uri = resolveUri(repoId, revision, file);
        HttpResponse<Void> r = send(request(uri).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.discarding(), repoId, file);
        int code = r.statusCode();
        if (code == 404) return Optional.empty();
        checkAuth(code, r, repoId, file);
        if (code >= 400) throw new SpecdecException(uri + ": HTTP " + code);
        String commit = r.headers().firstValue("X-Repo-Commit").orElse(null);
        String etag = r.headers().firstValue("X-Linked-Etag").or(() -> r.headers().firstValue("ETag")).orElse(null);
        if (etag == null) throw new SpecdecException(uri + ": the server sent no ETag, so the file cannot be cached or verified");
        etag = etag.replace("W/", "").replace("\"", "");
        long size = r.headers().firstValueAsLong("X-Linked-Size").orElse(r.headers().firstValueAsLong("Content-Length").orElse(-1));
        URI location = code >= 300 && code < 400 ? r.headers().firstValue("Location").map(uri::resolve).orElse(uri) : uri;
        return Optional.of(new Meta(commit, etag, size, location));
    }

    private void checkAuth(int code, HttpResponse<?> r, String repoId, String file) {
        if (code == 401 || code == 403) {
            String why = r.headers().firstValue("X-Error-Code").orElse("");
            throw new SpecdecException(repoId + ": access to " + file + " refused (HTTP " + code + (why.isEmpty() ? "" : ", " + why) + "): "
                    + (token == null ? "this repository is gated or private: accept its licence on the hub and set HF_TOKEN"
                    : "HF_TOKEN is not allowed to read it: accept the licence on the hub with that account"));
        }
    }

    private <T> HttpResponse<T> send(HttpRequest req, HttpResponse.BodyHandler<T> handler, String repoId, String file) {
        try {
            return http.send(req, handler);
        } catch (ConnectException e) {
            throw new SpecdecException("cannot reach " + endpoint + " for " + repoId + "/" + file + " (" + req.uri().getHost()
                    + " refused or is unreachable; set HF_ENDPOINT for a mirror, or use --offline with a cached model)");
        } catch (IOException e) {
            throw new SpecdecException("network failure fetching " + req.uri() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SpecdecException("interrupted while fetching " + req.uri());
        }
    }

    private void fetchFile(String repoId, String commit, String file, Meta meta, Path snapshot) {
        Path blobs = cache.repoDir(repoId).resolve("blobs");
        Path blob = blobs.resolve(meta.etag());
        Path link = snapshot.resolve(file);
        try {
            Files.createDirectories(blobs);
            if (!Files.exists(blob)) {
                Path partial = blobs.resolve(meta.etag() + ".incomplete");
                IOException last = null;
                for (int attempt = 0; attempt < MAX_ATTEMPTS && !Files.exists(blob); attempt++) {
                    try {
                        transfer(meta.location(), partial, meta.size(), file, repoId);
                        verify(partial, meta.etag(), repoId, file);
                        try {
                            Files.move(partial, blob, StandardCopyOption.ATOMIC_MOVE);
                        } catch (AtomicMoveNotSupportedException e) {
                            Files.move(partial, blob);
                        }
                    } catch (IOException e) {
                        last = e; // a dropped connection: the next attempt resumes from what arrived
                    }
                }
                if (!Files.exists(blob)) {
                    throw new SpecdecException("download of " + repoId + "/" + file + " failed after " + MAX_ATTEMPTS + " attempts: "
                            + (last == null ? "unknown" : last.getMessage()));
                }
            }
            Files.createDirectories(link.getParent());
            if (!Files.exists(link)) {
                try {
                    Files.createSymbolicLink(link, link.getParent().relativize(blob));
                } catch (UnsupportedOperationException | FileSystemException e) {
                    Files.copy(blob, link);
                }
            }
        } catch (IOException e) {
            String msg = e.getMessage() == null ? e.toString() : e.getMessage();
            if (msg.toLowerCase(Locale.ROOT).contains("no space")) {
                throw new SpecdecException(cache.root() + ": disk full while writing " + file + " of " + repoId, e);
            }
            throw new SpecdecException(cache.root() + ": cannot store " + file + " of " + repoId + ": " + msg, e);
        }
    }

    /** Appends the missing bytes to {@code partial}, following redirects, resuming with Range. */
    private void transfer(URI start, Path partial, long size, String file, String repoId) throws IOException {
        long have = Files.exists(partial) ? Files.size(partial) : 0;
        URI uri = start;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpRequest.Builder b = request(uri).GET();
            if (have > 0) b.header("Range", "bytes=" + have + "-");
            HttpResponse<InputStream> r = send(b.build(), HttpResponse.BodyHandlers.ofInputStream(), repoId, file);
            int code = r.statusCode();
            if (code >= 300 && code < 400) {
                r.body().close();
                uri = uri.resolve(r.headers().firstValue("Location").orElseThrow(() -> new IOException("redirect without Location")));
                continue;
            }
            checkAuth(code, r, repoId, file);
            if (code == 416 && size >= 0 && have == size) {
                r.body().close();
                return; // everything had arrived already
            }
            if (code != 200 && code != 206) {
                r.body().close();
                throw new SpecdecException(uri + ": HTTP " + code + " while downloading " + file);
            }
            boolean append = code == 206;
            if (!append) have = 0; // the server ignored Range: start over
            try (InputStream in = r.body();
                 OutputStream out = Files.newOutputStream(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                         append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
                copyWithProgress(in, out, have, size, file);
            }
            if (size >= 0 && Files.size(partial) != size) {
                throw new IOException("connection ended at " + Files.size(partial) + " of " + size + " bytes");
            }
            return;
        }
        throw new SpecdecException(start + ": more than " + MAX_REDIRECTS + " redirects");
    }

    private void copyWithProgress(InputStream in, OutputStream out, long have, long size, String file) throws IOException {
        byte[] buf = new byte[1 << 16];
        long done = have, t0 = System.nanoTime(), lastPrint = 0;
        int n;
        while ((n = in.read(buf)) > 0) {
            out.write(buf, 0, n);
            done += n;
            long now = System.nanoTime();
            if (progress != null && now - lastPrint > 200_000_000L) {
                lastPrint = now;
                double rate = (done - have) / Math.max(1e-9, (now - t0) / 1e9);
                progress.printf("\r  %-32s %8.1f / %s MB  %6.1f MB/s", file, done / 1e6, size < 0 ? "?" : String.format("%.1f", size / 1e6), rate / 1e6);
                progress.flush();
            }
        }
        if (progress != null) {
            progress.printf("\r  %-32s %8.1f MB done%s%n", file, done / 1e6, " ".repeat(16));
            progress.flush();
        }
    }

    /** LFS files: sha256 of the content; git files: the git blob sha1. Other etags are not checked. */
    private static void verify(Path file, String etag, String repoId, String name) throws IOException {
        String algorithm = etag.matches("[0-9a-f]{64}") ? "SHA-256" : etag.matches("[0-9a-f]{40}") ? "SHA-1" : null;
        if (algorithm == null) return;
        MessageDigest md;
        try {
            md = MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        if (algorithm.equals("SHA-1")) md.update(("blob " + Files.size(file) + "\0").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) md.update(buf, 0, n);
        }
        String got = HexFormat.of().formatHex(md.digest());
        if (!got.equals(etag)) {
            Files.deleteIfExists(file);
            throw new SpecdecException(repoId + "/" + name + ": checksum mismatch (the hub reports " + etag + ", the download hashes to "
                    + got + "); the partial file was removed, run again to retry");
        }
    }
}
