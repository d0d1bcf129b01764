package specdec.engine.metrics;

/** Where a generation spends its time. */
public enum Phase {
    PREFILL, DRAFT, VERIFY, SAMPLING, OTHER
}
