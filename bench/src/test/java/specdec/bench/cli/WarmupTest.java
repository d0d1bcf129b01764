package specdec.bench.cli;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class WarmupTest {
    private static final long MS = 1_000_000L;

    /** A fake JVM: each round takes 10 ms, and the compiler finishes work in the rounds listed. */
    private static final class Fake {
        final AtomicLong now = new AtomicLong(), compiled = new AtomicLong();
        final long[] compileInRound;
        int rounds;
        /** The compiler reports work in flight (queued or compiling) until this round. */
        int busyUntil;

        Fake(long... compileInRound) {
            this.compileInRound = compileInRound;
        }

        void round() {
            rounds++;
            now.addAndGet(10 * MS);
            for (long r : compileInRound) if (r == rounds) compiled.addAndGet(7);
        }

        Warmup.Result run(int minRounds, long quietMs, long capMs) {
            return Warmup.run(this::round, minRounds, quietMs * MS, capMs * MS, compiled::get, () -> rounds < busyUntil, now::get);
        }
    }

    @Test
    void runsTheMinimumWhenTheCompilerIsAlreadyQuiet() {
        Fake f = new Fake();
        Warmup.Result r = f.run(16, 100, 30_000);
        // 16 rounds are 160 ms, past the 100 ms of quiet since the start
        assertThat(r.rounds()).isEqualTo(16).isEqualTo(f.rounds);
        assertThat(r.settled()).isTrue();
        assertThat(r.seconds()).isEqualTo(0.16, org.assertj.core.api.Assertions.within(1e-12));
    }

    @Test
    void goesOnUntilTheCompilerHasBeenQuietLongEnough() {
        // compilations 70 ms apart, past the minimum of 16 rounds: never 100 ms of quiet until the last
        Fake f = new Fake(5, 12, 19, 26);
        Warmup.Result r = f.run(16, 100, 30_000);
        // the last finished in round 26; ten more rounds of 10 ms make 100 ms of quiet
        assertThat(r.rounds()).isEqualTo(36);
        assertThat(r.settled()).isTrue();
    }

    @Test
    void stopsAtTheCapWhenTheCompilerNeverSettles() {
        long[] every = new long[1000];
        for (int i = 0; i < every.length; i++) every[i] = i + 1;
        Fake f = new Fake(every);
        Warmup.Result r = f.run(4, 100, 500);
        assertThat(r.rounds()).isEqualTo(50);
        assertThat(r.settled()).isFalse();
        assertThat(r.describe()).contains("still busy");
    }

    @Test
    void theMinimumHoldsEvenPastTheCap() {
        Fake f = new Fake(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
        Warmup.Result r = f.run(10, 100, 50);
        assertThat(r.rounds()).isEqualTo(10);
        assertThat(r.settled()).isFalse();
    }

    @Test
    void noQuietPeriodMeansExactlyTheMinimum() {
        Fake f = new Fake(1, 2, 3);
        assertThat(f.run(3, 0, 30_000).rounds()).isEqualTo(3);
        // and one round at least
        assertThat(new Fake().run(0, 0, 30_000).rounds()).isEqualTo(1);
    }

    @Test
    void waitsForACompilationStillInFlight() {
        // no compilation finishes, but one is in flight until round 30: quiet from round 10, busy until 30
        Fake f = new Fake();
        f.busyUntil = 30;
        Warmup.Result r = f.run(16, 100, 30_000);
        assertThat(r.rounds()).isEqualTo(30);
        assertThat(r.settled()).isTrue();
        f = new Fake();
        f.busyUntil = Integer.MAX_VALUE;
        r = f.run(4, 100, 500);
        assertThat(r.rounds()).isEqualTo(50);
        assertThat(r.settled()).isFalse();
    }

    @Test
    void readsHotSpotsCompilerQueueListing() {
        String idle = "12345:\nCurrent compiles: \n\nC1 compile queue:\nEmpty\n\nC2 compile queue:\nEmpty\n";
        String compiling = "12345:\nCurrent compiles: \nC2 CompilerThread0  3954       4       specdec.engine.tensor.HalfTiles::group (252 bytes)\n\n"
                + "C1 compile queue:\nEmpty\n\nC2 compile queue:\nEmpty\n";
        String queued = "12345:\nCurrent compiles: \n\nC1 compile queue:\nEmpty\n\nC2 compile queue:\n"
                + "3960       4       jdk.incubator.vector.FloatVector::abs (8 bytes)\n";
        assertThat(Warmup.busy(idle)).isFalse();
        assertThat(Warmup.busy(compiling)).isTrue();
        assertThat(Warmup.busy(queued)).isTrue();
        // this JVM (HotSpot) answers the command in that form
        assertThat(Warmup.compilerQueue()).contains("Current compiles:", "C1 compile queue:", "C2 compile queue:");
    }
}
