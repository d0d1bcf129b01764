package specdec.engine.decode;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;

import java.util.Map;

/**
 * One generation's output and measurements; serialised as one JSON object per line.
 * Per-token latencies of a speculative round are the round's time shared equally by the
 * tokens it produced.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GenerationResult(
        String mode,
        String configHash,
        String drafter,
        int k,
        long seed,
        int promptTokens,
        int[] generatedIds,
        String text,
        StopReason stopReason,
        double totalMs,
        double ttftMs,
        double tokensPerSecond,
        double[] tokenLatenciesMs,
        double p50Ms,
        double p95Ms,
        double p99Ms,
        long peakHeapBytes,
        /** Native memory (KV caches, relaid weights) plus memory-mapped weights, at the end of the run. */
        long offheapBytes,
        long kvCacheBytes,
        Speculation speculation) {

    /** Counts and timings only a speculative run has. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Speculation(
            /** Target forwards after prefill; each emits its accepted drafts plus one token (fewer only when EOS cuts it). */
            int rounds,
            long drafted,
            long accepted,
            /** accepted / drafted, as vLLM reports it. */
            double acceptanceRate,
            /** accepted / (draft tokens actually tested): the per-token acceptance alpha of the expected-value model. */
            double alpha,
            double meanTokensPerRound,
            long[] draftedPerPosition,
            long[] acceptedPerPosition,
            Map<String, Double> phaseMs,
            /** t_draft / t_target for one-token forwards. */
            double costRatio,
            double targetStepMs,
            double predictedSpeedup,
            /** one-token target step time / measured time per generated token. */
            double measuredSpeedup) {}

    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    public int generatedTokens() {
        return generatedIds.length;
    }

    public GenerationResult withText(String newText) {
        return new GenerationResult(mode, configHash, drafter, k, seed, promptTokens, generatedIds, newText, stopReason,
                totalMs, ttftMs, tokensPerSecond, tokenLatenciesMs, p50Ms, p95Ms, p99Ms, peakHeapBytes, offheapBytes, kvCacheBytes, speculation);
    }

    public String toJsonLine() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static GenerationResult fromJsonLine(String line) {
        try {
            return JSON.readValue(line, GenerationResult.class);
        } catch (JsonProcessingException e) {
            throw new specdec.engine.SpecdecException("not a generation result: " + e.getOriginalMessage());
        }
    }

    /** {@code SD-K4 | 64 tok | 41.2 tok/s | p50=21ms p95=30ms | accept=0.78 | 3.1 tok/round | predicted 1.9x | measured 1.7x}. */
    public String summaryLine() {
        StringBuilder b = new StringBuilder();
        b.append(speculation == null ? "AR" : "SD-K" + k).append(" | ").append(generatedIds.length).append(" tok | ")
                .append(String.format("%.1f tok/s", tokensPerSecond))
                .append(String.format(" | p50=%.0fms p95=%.0fms", p50Ms, p95Ms));
        if (speculation != null) {
            b.append(String.format(" | accept=%.2f | %.1f tok/round | predicted %.1fx | measured %.1fx",
                    speculation.acceptanceRate(), speculation.meanTokensPerRound(), speculation.predictedSpeedup(),
                    speculation.measuredSpeedup()));
        }
        b.append(" | stop=").append(stopReason.name().toLowerCase(java.util.Locale.ROOT));
        return b.toString();
    }
}
