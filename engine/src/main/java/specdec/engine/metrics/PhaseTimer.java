package specdec.engine.metrics;

/**
 * Accumulates wall time per phase. The CPU implementation reads System.nanoTime; a CUDA one will
 * record events on the stream behind the same calls.
 */
public interface PhaseTimer {
    /** Ends the running phase (if any) and starts {@code phase}. */
    void start(Phase phase);

    /** Ends the running phase. */
    void stop();

    long nanos(Phase phase);

    void reset();

    static PhaseTimer cpu() {
        return new CpuPhaseTimer();
    }
}
