package specdec.bench.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import specdec.engine.SpecdecException;
import specdec.engine.backend.Backend;
import specdec.engine.io.OffHeap;
import specdec.engine.kv.KvCache;
import specdec.engine.tensor.Prefetch;
import specdec.models.ModelLoader;
import specdec.models.TransformerModel;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

@Command(name = "bench-decode", mixinStandardHelpOptions = true,
        description = "Measure one-token decode speed, the rate it reads the weights at (GB/s), prefill speed and the cost of a K+1-token forward relative to one token; also reports how much of the memory sits on 2 MiB pages and how far ahead the quantised passes prefetch.")
final class BenchDecodeCommand extends CliCommand implements Callable<Integer> {
    @Mixin
    ModelOption modelOption;

    @Option(names = "--tokens", defaultValue = "64", description = "Decode steps measured after warm-up (default: ${DEFAULT-VALUE}).")
    int tokens;

    @Option(names = "--prompt-len", defaultValue = "32", description = "Prefill length (default: ${DEFAULT-VALUE}).")
    int promptLen;

    @Option(names = "--k", defaultValue = "4", description = "Draft length K for the forward(K+1)/forward(1) ratio (default: ${DEFAULT-VALUE}).")
    int k;

    @Option(names = "--warmup", defaultValue = "16", description = "Untimed rounds first, each a (K+1)-token forward and a one-token step: at least this many (default: ${DEFAULT-VALUE}), then more until the JIT compiler has finished nothing for --warmup-quiet seconds and has nothing queued or in progress (at most 30 s in all). Steps past the context wrap back to the prompt's end.")
    int warmup;

    @Option(names = "--warmup-quiet", defaultValue = "1", description = "Seconds without a finished JIT compilation (and none queued or in progress) that end the warm-up (default: ${DEFAULT-VALUE}; 0: just the --warmup rounds).")
    double warmupQuiet;

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Mixin
    BackendOption backendOption;

    @Mixin
    QuantizeOption quantize;

    @Override
    public Integer call() throws Exception {
        Path model = modelOption.resolve();
        if (tokens < 1 || promptLen < 1 || k < 1) throw new SpecdecException("--tokens, --prompt-len and --k must be positive");
        Warmup.check(warmup, warmupQuiet);
        try (Backend backend = backendOption.create();
             TransformerModel m = ModelLoader.load(model, backend, quantize.format())) {
            int need = promptLen + k + 2;
            if (need > m.contextLength()) {
                throw new SpecdecException("prompt-len + k + 2 = " + need + " exceeds the model's context of " + m.contextLength());
            }
            // decode steps wrap back to the end of the prompt when the cache is full
            int capacity = Math.min(m.contextLength(), promptLen + tokens + k + 1);
            SplittableRandom rng = new SplittableRandom(1);
            int[] prompt = rng.ints(promptLen, 0, m.vocabSize()).toArray();
            int[] one = new int[1];
            int[] block = rng.ints(k + 1, 0, m.vocabSize()).toArray();
            try (KvCache cache = m.newCache(capacity)) {
                long[] step = new long[tokens];
                long[] verify = new long[tokens];
                m.forward(prompt, 0, promptLen, cache, true);
                // warm-up rounds are measured rounds whose times are dropped (slot 0, overwritten)
                Warmup.Result warm = Warmup.run(() -> round(m, cache, capacity, block, one, rng, verify, step, 0), warmup, warmupQuiet);
                long[] prefill = new long[5];
                for (int i = -2; i < prefill.length; i++) { // two more untimed runs for the prefill's own shapes
                    cache.rollback(0);
                    long t0 = System.nanoTime();
                    m.forward(prompt, 0, promptLen, cache, true);
                    if (i >= 0) prefill[i] = System.nanoTime() - t0;
                }
                double prefillSec = median(prefill) / 1e9;
                for (int i = 0; i < tokens; i++) round(m, cache, capacity, block, one, rng, verify, step, i);
                double stepMs = median(step) / 1e6, verifyMs = median(verify) / 1e6;
                double tokPerSec = 1000.0 / stepMs;
                double prefillTokPerSec = promptLen / prefillSec;
                double ratio = verifyMs / stepMs;
                long weightBytes = m.weightBytesPerToken();
                double readGbPerSec = weightBytes / (stepMs * 1e6);
                long nativeBytes = OffHeap.nativeBytes(), hugeBytes = OffHeap.hugePageBytes();
                String thp = OffHeap.transparentHugePages();
                if (json) {
                    ObjectNode o = new ObjectMapper().createObjectNode();
                    o.put("model", model.toString());
                    o.put("backend", backend.name());
                    o.put("weights", weights(m));
                    o.put("decode_tok_per_s", tokPerSec);
                    o.put("decode_ms_p50", stepMs);
                    o.put("weight_bytes_per_token", weightBytes);
                    o.put("weight_read_gb_per_s", readGbPerSec);
                    o.put("prefill_tok_per_s", prefillTokPerSec);
                    o.put("prompt_len", promptLen);
                    o.put("prefill_ms_p50", prefillSec * 1000);
                    o.put("k", k);
                    o.put("forward_k1_over_forward_1", ratio);
                    o.put("native_bytes", nativeBytes);
                    o.put("huge_page_bytes", hugeBytes);
                    o.put("transparent_huge_pages", thp);
                    o.put("prefetch", Prefetch.status());
                    o.put("warmup_rounds", warm.rounds());
                    o.put("warmup_s", warm.seconds());
                    o.put("warmup_jit_settled", warm.settled());
                    out().println(o);
                } else {
                    out().printf("%s | %s weights | %s%n", model, weights(m), backend.name());
                    out().printf("decode  %.1f tok/s (p50 %.2f ms over %d steps)%n", tokPerSec, stepMs, tokens);
                    out().printf("weights %.1f MB read per token: %.1f GB/s%n", weightBytes / 1e6, readGbPerSec);
                    out().printf("prefill %.1f tok/s (%d tokens)%n", prefillTokPerSec, promptLen);
                    out().printf("forward(%d)/forward(1) = %.2f (%.2f ms / %.2f ms)%n", k + 1, ratio, verifyMs, stepMs);
                    out().printf("memory  %.1f MB native (weights, KV cache); %s on 2 MiB pages (transparent huge pages: %s)%n",
                            nativeBytes / 1e6, hugeBytes < 0 ? "unknown" : String.format("%.1f MB of the process", hugeBytes / 1e6), thp);
                    out().printf("prefetch %s (Q8_0 and Q4_0 passes; SPECDEC_JAVA_OPTS=-Dspecdec.prefetch=BYTES, 0 for off)%n", Prefetch.status());
                    out().printf("warm-up %s%n", warm.describe());
                }
            }
        }
        return 0;
    }

    /**
     * One measured round: a forward of K + 1 tokens, rolled back, then a one-token step (a random
     * token), their times to verify[i] and step[i]. Steps past the cache's capacity wrap back to
     * the prompt's end.
     */
    private void round(TransformerModel m, KvCache cache, int capacity, int[] block, int[] one, SplittableRandom rng, long[] verify, long[] step, int i) {
        if (cache.length() + k + 2 > capacity) cache.rollback(promptLen);
        int len = cache.length();
        long a = System.nanoTime();
        m.forward(block, 0, k + 1, cache, false);
        verify[i] = System.nanoTime() - a;
        cache.rollback(len);
        one[0] = rng.nextInt(m.vocabSize());
        a = System.nanoTime();
        m.forward(one, 0, 1, cache, false);
        step[i] = System.nanoTime() - a;
    }

    /** The matrices' format as computed with: the conversion asked for, else the stored dtype of the LM head. */
    private static String weights(TransformerModel m) {
        return m.quantization() != null ? m.quantization().name() : m.lmHeadDtype().name();
    }

    private static double median(long[] v) {
        long[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2.0;
    }
}
