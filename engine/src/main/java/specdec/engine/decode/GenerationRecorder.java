package specdec.engine.decode;

import specdec.engine.SpecdecException;
import specdec.engine.io.OffHeap;
import specdec.engine.metrics.Percentiles;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.Arrays;

/**
 * Shared bookkeeping of both decoders: the context buffer, stop conditions, per-token latency
 * and the common part of the result. Arrays are sized once per generation.
 */
final class GenerationRecorder {
    final int[] context;
    int length;
    final int promptLength;
    private final GenerationOptions options;
    private final int capacity;
    private final double[] latencyMs;
    private int generated;
    private StopReason stop;
    private long startNanos;
    private long lastEmitNanos;
    private long firstTokenNanos;

    GenerationRecorder(int[] prompt, GenerationOptions options, int capacity, int vocab) {
        if (prompt.length == 0) throw new SpecdecException("the prompt is empty: give at least one token id");
        for (int i = 0; i < prompt.length; i++) {
            if (prompt[i] < 0 || prompt[i] >= vocab) {
                throw new SpecdecException("prompt token " + prompt[i] + " at position " + i + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
        if (prompt.length >= capacity) {
            throw new SpecdecException("the prompt has " + prompt.length + " tokens but the context holds " + capacity
                    + ": no room to generate");
        }
        this.options = options;
        this.capacity = capacity;
        this.context = Arrays.copyOf(prompt, capacity);
        this.length = prompt.length;
        this.promptLength = prompt.length;
        this.latencyMs = new double[options.maxNewTokens()];
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) pool.resetPeakUsage();
        }
        startNanos = lastEmitNanos = System.nanoTime();
    }

    /** Tokens still allowed before max_new_tokens or the context is reached. */
    int remaining() {
        return Math.min(options.maxNewTokens() - generated, capacity - length);
    }

    boolean done() {
        if (stop == null && generated >= options.maxNewTokens()) stop = StopReason.MAX_TOKENS;
        if (stop == null && length >= capacity) stop = StopReason.CONTEXT;
        return stop != null;
    }

    /** Ends the generation for a reason the decoder found (e.g. the draft's context is full). */
    void stop(StopReason reason) {
        if (stop == null) stop = reason;
    }

    /** Appends the tokens of one step or round, all emitted now; stops at EOS and at the budget. */
    void emit(int[] tokens, int count, int last) {
        long now = System.nanoTime();
        int n = 0;
        for (int i = 0; i <= count && stop == null; i++) {
            int token = i < count ? tokens[i] : last;
            if (generated >= options.maxNewTokens() || length >= capacity) break;
            context[length++] = token;
            generated++;
            n++;
            if (options.isEos(token)) stop = StopReason.EOS;
        }
        if (n > 0) {
            if (firstTokenNanos == 0) firstTokenNanos = now;
            double share = (now - lastEmitNanos) / 1e6 / n;
            for (int i = generated - n; i < generated; i++) latencyMs[i] = share;
        }
        lastEmitNanos = now;
    }

    int generated() {
        return generated;
    }

    long elapsedNanos() {
        return System.nanoTime() - startNanos;
    }

    GenerationResult result(String mode, String drafter, int k, long kvBytes, GenerationResult.Speculation spec) {
        done();
        double totalMs = (lastEmitNanos - startNanos) / 1e6;
        long peakHeap = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) peakHeap += pool.getPeakUsage().getUsed();
        }
        double[] lat = Arrays.copyOf(latencyMs, generated);
        return new GenerationResult(mode, options.configHash(), drafter, k, options.seed(), promptLength,
                Arrays.copyOfRange(context, promptLength, length), null, stop,
                totalMs, (firstTokenNanos - startNanos) / 1e6, generated / (totalMs / 1000.0), lat,
                Percentiles.of(lat, generated, 50), Percentiles.of(lat, generated, 95), Percentiles.of(lat, generated, 99),
                peakHeap, OffHeap.nativeBytes() + OffHeap.mappedBytes(), kvBytes, spec);
    }
}
