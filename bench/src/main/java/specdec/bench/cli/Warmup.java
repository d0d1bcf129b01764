package specdec.bench.cli;

import specdec.engine.SpecdecException;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * Untimed rounds of the work about to be measured, at least a given number, then more until the
 * JIT compiler has finished no compilation for a while (or a cap passes). A fixed count was not
 * enough: on two busy cores C2's queue can hold a kernel for seconds while it runs as tier-2 code
 * (C1, no profile), and GPT-2 at f16 then measured 52–62 tok/s in some runs where the others gave
 * 69–77 (bench-decode, 16 warm-up steps, -XX:+PrintCompilation: HalfTiles::single2 never reached
 * tier 4 in the slow ones). Nor does a quiet period prove that nothing is compiling: the
 * compilation time grows only as a compilation finishes, and C2 compiling a kernel on cores busy
 * with the rounds can outlast the period, so the warm-up also waits until the compiler's queues
 * are empty and nothing is being compiled ({@link #compilerBusy}). (A method HotSpot leaves at
 * tier 2 is in no queue: the launcher's -XX:Tier3DelayOn keeps that from happening.)
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
        BooleanSupplier busy = quietSeconds > 0 ? Warmup::compilerBusy : () -> false;
        return run(round, minRounds, (long) (quietSeconds * 1e9), CAP_NANOS, compileMillis, busy, System::nanoTime);
    }

    /**
     * Whether HotSpot is compiling something or has compilations queued, from its diagnostic
     * command Compiler.queue (what {@code jcmd PID Compiler.queue} prints); false where that
     * command is not at hand.
     */
    static boolean compilerBusy() {
        String listing = compilerQueue();
        return listing != null && busy(listing);
    }

    /** HotSpot's Compiler.queue listing, or null where the diagnostic command is not at hand. */
    static String compilerQueue() {
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            Object out = server.invoke(new ObjectName("com.sun.management:type=DiagnosticCommand"), "compilerQueue",
                    new Object[] {null}, new String[] {String[].class.getName()});
            return out instanceof String text ? text : null;
        } catch (Exception | LinkageError e) {
            return null;
        }
    }

    /**
     * Whether a Compiler.queue listing names a compilation: a line under "Current compiles:" or
     * under a "... compile queue:" heading other than "Empty".
     */
    static boolean busy(String queueListing) {
        boolean inSection = false;
        for (String line : queueListing.split("\\R")) {
            String t = line.strip();
            if (t.startsWith("Current compiles:") || t.endsWith("compile queue:")) {
                inSection = true;
            } else if (inSection && !t.isEmpty() && !t.equals("Empty")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Runs {@code round} at least {@code minRounds} times, then until {@code compileMillis} (the
     * JIT's accumulated compilation time, which grows as each compilation finishes) has not moved
     * for {@code quietNanos} and {@code busy} says nothing is compiling, or {@code capNanos} after
     * the start; a {@code quietNanos} of 0 asks for the minimum alone. With {@code minRounds} 0
     * and nothing compiling it still runs one round: a quiet compiler says nothing of code not yet run.
     */
    static Result run(Runnable round, int minRounds, long quietNanos, long capNanos, LongSupplier compileMillis, BooleanSupplier busy, LongSupplier clock) {
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
            boolean quiet = quietNanos == 0 || (now - lastChange >= quietNanos && !busy.getAsBoolean());
            if (rounds >= minRounds && quiet) return new Result(rounds, (now - start) / 1e9, true);
            if (rounds >= minRounds && now - start >= capNanos) return new Result(rounds, (now - start) / 1e9, false);
        }
    }
}
