package specdec.engine.backend.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of threads that stay alive for the whole run. The caller's thread works too.
 * Dispatch publishes a task through a volatile generation counter; idle workers spin briefly
 * and then park, so a tiny draft model does not pay a thread wake-up per op, and nothing is
 * allocated per dispatch.
 */
public final class WorkerPool implements AutoCloseable {

    /** Work on items [start, end); {@code worker} is in [0, threads) and indexes per-thread scratch. */
    @FunctionalInterface
    public interface RangeTask {
        void run(int start, int end, int worker);
    }

    private static final long SPIN_NANOS = 50_000;

    private final int threads;
    private final Thread[] workers;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger running = new AtomicInteger();
    private volatile int generation;
    private volatile boolean closed;
    private RangeTask task;
    private int count;
    private int grain;
    private volatile Throwable failure;

    public WorkerPool(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1");
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            int id = i + 1;
            Thread t = new Thread(() -> loop(id), "specdec-worker-" + id);
            t.setDaemon(true);
            workers[i] = t;
            t.start();
        }
    }

    public int threads() {
        return threads;
    }

    /** Runs {@code task} over [0, count) in chunks of {@code grain} items and returns when all are done. */
    public void run(RangeTask task, int count, int grain) {
        if (count <= 0) return;
        if (threads == 1 || count <= grain) {
            task.run(0, count, 0);
            return;
        }
        this.task = task;
        this.count = count;
        this.grain = Math.max(1, grain);
        next.set(0);
        running.set(workers.length);
        generation++;
        for (Thread w : workers) LockSupport.unpark(w);
        try {
            work(0);
        } catch (Throwable e) {
            fail(e);
        }
        // Workers must all check out before the next dispatch reuses the counters.
        while (running.get() != 0) Thread.onSpinWait();
        this.task = null;
        Throwable f = failure;
        if (f != null) {
            failure = null;
            if (f instanceof RuntimeException r) throw r;
            if (f instanceof Error e) throw e;
            throw new IllegalStateException(f);
        }
    }

    /** Splits [0, count) into about four chunks per thread, at least {@code minGrain} items each. */
    public int grainFor(int count, int minGrain) {
        return Math.max(minGrain, (count + threads * 4 - 1) / (threads * 4));
    }

    private void work(int id) {
        RangeTask t = task;
        int n = count;
        int g = grain;
        int start;
        while ((start = next.getAndAdd(g)) < n) {
            t.run(start, Math.min(n, start + g), id);
        }
    }

    private void fail(Throwable e) {
        synchronized (this) {
            if (failure == null) failure = e;
        }
        next.set(Integer.MAX_VALUE / 2); // the others stop taking chunks
    }

    private void loop(int id) {
        int seen = 0;
        while (true) {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            while (generation == seen && !closed) {
                if (System.nanoTime() < spinUntil) Thread.onSpinWait();
                else LockSupport.park(this);
            }
            if (closed) return;
            seen = generation;
            try {
                work(id);
            } catch (Throwable e) {
                fail(e);
            } finally {
                running.decrementAndGet();
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) LockSupport.unpark(w);
    }
}
