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

        Fake(long... compileInRound) {
            this.compileInRound = compileInRound;
        }

        void round() {
            rounds++;
            now.addAndGet(10 * MS);
            for (long r : compileInRound) if (r == rounds) compiled.addAndGet(7);
        }

        Warmup.Result run(int minRounds, long quietMs, long capMs) {
            return Warmup.run(this::round, minRounds, quietMs * MS, capMs * MS, compiled::get, now::get);
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
}
