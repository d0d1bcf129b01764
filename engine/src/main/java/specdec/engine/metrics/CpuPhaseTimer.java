package specdec.engine.metrics;

/** Phase times from System.nanoTime. */
final class CpuPhaseTimer implements PhaseTimer {
    private final long[] total = new long[Phase.values().length];
    private Phase running;
    private long since;

    @Override
    public void start(Phase phase) {
        long now = System.nanoTime();
        if (running != null) total[running.ordinal()] += now - since;
        running = phase;
        since = now;
    }

    @Override
    public void stop() {
        if (running != null) total[running.ordinal()] += System.nanoTime() - since;
        running = null;
    }

    @Override
    public long nanos(Phase phase) {
        return total[phase.ordinal()];
    }

    @Override
    public void reset() {
        java.util.Arrays.fill(total, 0);
        running = null;
    }
}
