package io.cdcfanout.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * W2: an open-loop load of single-row transactions on {@code w2_items} at a fixed rate: a pacer issues
 * one transaction every {@code 1/rate} seconds whatever the latency of earlier ones, and a pool of
 * connections runs them (70% update of a random existing row, 30% insert of a new one).
 */
final class OpenLoopWorkload {

    static final int PRELOADED_ROWS = 10_000;
    private static final int CONNECTIONS = 4;

    private static final String UPDATE =
            "UPDATE w2_items SET price = price + 1, stock = stock - 1, updated_at = now() WHERE id = ?";
    private static final String INSERT = """
            INSERT INTO w2_items VALUES (?, 'SKU-' || lpad(?::text, 10, '0'), 'product name number ' || ?, 'books', 9.99, 7,
                   rpad('description of product ' || ? || ' ', 190, 'lorem ipsum dolor sit amet '), now())""";

    private final BenchDatabase db;
    private final AtomicLong nextId = new AtomicLong(PRELOADED_ROWS);
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final AtomicLong writerCpu = new AtomicLong();

    OpenLoopWorkload(BenchDatabase db) {
        this.db = db;
    }

    void preload() throws SQLException {
        try (Connection c = db.connect();
                var s = c.createStatement()) {
            s.execute(
                    "INSERT INTO w2_items SELECT g, 'SKU-' || g, 'product ' || g, 'books', 9.99, 7, 'preloaded', now() "
                            + "FROM generate_series(1, " + PRELOADED_ROWS + ") g");
        }
    }

    /**
     * What one run achieved.
     *
     * @param lateIssues transactions the pacer handed out more than one interval after their scheduled time
     */
    record Run(long offered, long committed, long lateIssues, double seconds) {}

    /** Runs {@code rate} transactions per second for {@code duration}; returns once all have committed. */
    Run run(double rate, Duration duration) throws InterruptedException {
        long total = Math.round(rate * duration.toNanos() / 1e9);
        long interval = Math.round(1e9 / rate);
        BlockingQueue<Long> due = new ArrayBlockingQueue<>((int) Math.min(Integer.MAX_VALUE, Math.max(1, total)));
        AtomicLong committed = new AtomicLong();
        Thread[] workers = new Thread[CONNECTIONS];
        for (int i = 0; i < CONNECTIONS; i++) {
            workers[i] = new Thread(() -> work(due, committed), "w2-writer-" + i);
            workers[i].start();
        }
        long start = System.nanoTime();
        long late = 0;
        for (long i = 0; i < total; i++) {
            long at = start + i * interval;
            long wait = at - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            } else if (wait < -interval) {
                late++;
            }
            due.add(at);
        }
        for (int i = 0; i < CONNECTIONS; i++) {
            due.add(-1L);
        }
        for (Thread w : workers) {
            w.join();
        }
        return new Run(total, committed.get(), late, (System.nanoTime() - start) / 1e9);
    }

    private void work(BlockingQueue<Long> due, AtomicLong committed) {
        try (Connection c = db.connect();
                PreparedStatement update = c.prepareStatement(UPDATE);
                PreparedStatement insert = c.prepareStatement(INSERT)) {
            while (due.take() >= 0) {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                if (random.nextInt(10) < 3) {
                    long id = nextId.incrementAndGet();
                    for (int p = 1; p <= 4; p++) {
                        insert.setLong(p, id);
                    }
                    insert.executeUpdate();
                } else {
                    update.setLong(1, 1 + random.nextInt(PRELOADED_ROWS));
                    update.executeUpdate();
                }
                committed.incrementAndGet();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("W2 writer failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            writerCpu.addAndGet(threads.getCurrentThreadCpuTime());
        }
    }

    /** CPU nanoseconds the writer threads used so far (to subtract from the process's CPU). */
    long writerCpuNanos() {
        return writerCpu.get();
    }
}
