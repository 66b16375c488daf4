package dev.tdi.substrate.sim;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * A parallel-for over a fixed list of tasks. The tasks of a phase are defined by the program alone (never by the
 * thread count) and write disjoint outputs, so which thread runs which task cannot change a result: this is what
 * makes a run identical for any thread count. Small phases run on the caller's thread.
 */
final class Pool implements AutoCloseable {
    /** Below this many flops a phase runs inline: handing work to another core costs a few microseconds. */
    static final long MIN_PARALLEL_WORK = 200_000;

    private final int threads;
    private final ExecutorService executor;

    Pool(int threads) {
        this.threads = Math.max(1, threads);
        this.executor = this.threads == 1 ? null : Executors.newFixedThreadPool(this.threads - 1, r -> {
            Thread t = new Thread(r, "tdi-sim-worker");
            t.setDaemon(true);
            return t;
        });
    }

    int threads() {
        return threads;
    }

    /**
     * Runs {@code body} for task 0 .. tasks - 1; {@code work} (flops or bytes) decides whether to go parallel. The
     * caller works too and waits only for tasks that helpers actually took: a helper that has not been scheduled
     * yet (a busy machine) finds nothing left and costs nothing, so a loaded machine degrades to one thread rather
     * than to a scheduler time slice per phase.
     */
    void run(int tasks, long work, IntConsumer body) {
        if (executor == null || tasks <= 1 || work < MIN_PARALLEL_WORK) {
            for (int i = 0; i < tasks; i++) {
                body.accept(i);
            }
            return;
        }
        AtomicInteger next = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread caller = Thread.currentThread();
        Runnable loop = () -> {
            int i;
            while ((i = next.getAndIncrement()) < tasks) {
                try {
                    body.accept(i);
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
                if (done.incrementAndGet() == tasks && Thread.currentThread() != caller) {
                    LockSupport.unpark(caller);
                }
            }
        };
        int helpers = Math.min(threads - 1, tasks - 1);
        for (int h = 0; h < helpers; h++) {
            executor.execute(loop);
        }
        loop.run();
        int spins = 0;
        while (done.get() < tasks) {
            if (++spins < 2000) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(this, 20_000);
            }
        }
        Throwable t = failure.get();
        if (t instanceof RuntimeException re) {
            throw re;
        }
        if (t instanceof Error err) {
            throw err;
        }
        if (t != null) {
            throw new IllegalStateException(t);
        }
    }

    @Override
    public void close() {
        if (executor != null) {
            executor.shutdownNow();
        }
    }
}
