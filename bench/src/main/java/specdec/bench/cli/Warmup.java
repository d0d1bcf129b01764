package specdec.bench.cli;

import specdec.engine.SpecdecException;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.function.LongSupplier;

/**
 * Untimed rounds of the work about to be measured, at least a given number, then more until the
 * JIT compiler has finished no compilation for a while (or a cap passes). A fixed count was not
 * enough: on two busy cores C2's queue can hold a kernel for seconds while it runs as tier-2 code
 * (C1, no profile), and GPT-2 at f16 then measured 52–62 tok/s in some runs where the others gave
 * 69–77 (bench-decode, 16 warm-up steps, -XX:+PrintCompilation: HalfTiles::single2 never reached
 * tier 4 in the slow ones).
 */
final class Warmup {
    /** The most time a warm-up may take once its minimum rounds are done. */
    static final long CAP_NANOS = 30_000_000_000L;

    /** What a warm-up did: rounds run, its length, and whether the compiler went quiet before the cap. */
    record Result(int rounds, double seconds, boolean settled) {
        String describe() {
            return String.format("%d rounds, %.1f s%s", rounds, seconds, settled ? "" : " (the JIT compiler was still busy at the cap)");
        }
    }

    private Warmup() {}

    /** The commands' checks of --warmup and --warmup-quiet. */
    static void check(int minRounds, double quietSeconds) {
        if (minRounds < 0) throw new SpecdecException("--warmup must be >= 0, got " + minRounds);
        if (!(quietSeconds >= 0 && quietSeconds <= 30)) throw new SpecdecException("--warmup-quiet must be between 0 and 30 seconds, got " + quietSeconds);
    }

    /**
     * {@link #run(Runnable, int, long, long, LongSupplier, LongSupplier)} with this JVM's
     * compilation time and clock, a quiet period of {@code quietSeconds} and the 30 s cap.
     */
    static Result run(Runnable round, int minRounds, double quietSeconds) {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        LongSupplier compileMillis = jit != null && jit.isCompilationTimeMonitoringSupported() ? jit::getTotalCompilationTime : () -> 0L;
        return run(round, minRounds, (long) (quietSeconds * 1e9), CAP_NANOS, compileMillis, System::nanoTime);
    }

    /**
     * Runs {@code round} at least {@code minRounds} times, then until {@code compileMillis} (the
     * JIT's accumulated compilation time, which grows as each compilation finishes) has not moved
     * for {@code quietNanos}, or {@code capNanos} after the start. With {@code minRounds} 0 and
     * nothing compiling it still runs one round: a quiet compiler says nothing of code not yet run.
     */
    static Result run(Runnable round, int minRounds, long quietNanos, long capNanos, LongSupplier compileMillis, LongSupplier clock) {
        long start = clock.getAsLong(), lastChange = start, compiled = compileMillis.getAsLong();
        int rounds = 0;
        while (true) {
            round.run();
            rounds++;
            long now = clock.getAsLong(), c = compileMillis.getAsLong();
            if (c != compiled) {
                compiled = c;
                lastChange = now;
            }
            boolean quiet = now - lastChange >= quietNanos;
            if (rounds >= minRounds && quiet) return new Result(rounds, (now - start) / 1e9, true);
            if (rounds >= minRounds && now - start >= capNanos) return new Result(rounds, (now - start) / 1e9, false);
        }
    }
}
