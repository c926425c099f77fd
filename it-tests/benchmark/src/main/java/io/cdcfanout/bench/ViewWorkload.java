package io.cdcfanout.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * W6's load: an open loop of single-statement transactions on {@code order_lines}, the child table of the view
 * {@code orders}, at a fixed rate (like W2's pacer: one transaction every {@code 1/rate} seconds whatever the
 * latency of earlier ones, run by a pool of connections). Nine in ten add 1 to one line's {@code quantity}; one in
 * ten moves a line to another order (re-rendering both orders in a view). Each transaction is one change.
 *
 * <p>Lines whose id is a multiple of 10 are the only ones ever moved; the sampled transactions update the others
 * only, so a sampled line stays in its order and its quantity only grows: a document showing at least the
 * sampled quantity shows the sampled transaction (or a later one).
 */
final class ViewWorkload {

    static final int LINES_PER_ORDER = 5;
    /** One transaction in this many moves a line. */
    static final int MOVE_EVERY = 10;

    private static final int CONNECTIONS = 4;
    private static final String UPDATE =
            "UPDATE order_lines SET quantity = quantity + 1 WHERE id = ? RETURNING order_id, quantity";
    private static final String MOVE = "UPDATE order_lines SET order_id = ? WHERE id = ?";

    /** A sampled transaction: line {@code lineId} of order {@code orderId} has {@code quantity} from its commit on. */
    record Sample(long orderId, long lineId, long quantity, long committedNanos) {}

    /**
     * What one run achieved.
     *
     * @param moves      transactions that moved a line to another order
     * @param lateIssues transactions the pacer handed out more than one interval after their scheduled time
     */
    record Run(long offered, long committed, long moves, long lateIssues, double seconds) {}

    private final BenchDatabase db;
    private final int orders;
    private final int customers;
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final AtomicLong writerCpu = new AtomicLong();

    ViewWorkload(BenchDatabase db, int orders) {
        this.db = db;
        this.orders = orders;
        this.customers = Math.max(1, orders / 10);
    }

    int orders() {
        return orders;
    }

    long lines() {
        return (long) orders * LINES_PER_ORDER;
    }

    void preload() throws SQLException {
        try (Connection c = db.connect();
                Statement s = c.createStatement()) {
            s.execute("TRUNCATE order_lines, orders, customers");
            s.execute("INSERT INTO customers SELECT g, 'customer ' || g, 'customer' || g || '@example.com',"
                    + " (ARRAY['bronze','silver','gold'])[1 + g % 3] FROM generate_series(1, " + customers + ") g");
            s.execute("INSERT INTO orders SELECT g, 1 + g % " + customers + ", 'open',"
                    + " timestamptz '2026-01-01 00:00:00Z' + g * interval '1 minute', 'order note ' || g"
                    + " FROM generate_series(1, " + orders + ") g");
            s.execute("INSERT INTO order_lines SELECT g, 1 + (g - 1) / " + LINES_PER_ORDER + ", 'SKU-' || (g % 997),"
                    + " 1, 9.99 + g % 50 FROM generate_series(1, " + lines() + ") g");
            s.execute("ANALYZE customers, orders, order_lines");
        }
    }

    /**
     * Runs {@code rate} transactions per second for {@code duration}, handing every {@code sampleEvery}-th
     * quantity update to {@code sampled} right after its commit; returns once all have committed.
     */
    Run run(double rate, Duration duration, int sampleEvery, Consumer<Sample> sampled) throws InterruptedException {
        long total = Math.round(rate * duration.toNanos() / 1e9);
        long interval = Math.round(1e9 / rate);
        BlockingQueue<Long> due = new ArrayBlockingQueue<>((int) Math.min(Integer.MAX_VALUE - CONNECTIONS, total) + CONNECTIONS);
        AtomicLong committed = new AtomicLong();
        AtomicLong moves = new AtomicLong();
        Thread[] workers = new Thread[CONNECTIONS];
        for (int i = 0; i < CONNECTIONS; i++) {
            workers[i] =
                    new Thread(() -> work(due, committed, moves, sampleEvery, sampled), "w6-writer-" + i);
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
            due.add(i);
        }
        for (int i = 0; i < CONNECTIONS; i++) {
            due.add(-1L);
        }
        for (Thread w : workers) {
            w.join();
        }
        return new Run(total, committed.get(), moves.get(), late, (System.nanoTime() - start) / 1e9);
    }

    private void work(
            BlockingQueue<Long> due,
            AtomicLong committed,
            AtomicLong moves,
            int sampleEvery,
            Consumer<Sample> sampled) {
        try (Connection c = db.connect();
                PreparedStatement update = c.prepareStatement(UPDATE);
                PreparedStatement move = c.prepareStatement(MOVE)) {
            long seq;
            while ((seq = due.take()) >= 0) {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                if (seq % MOVE_EVERY == MOVE_EVERY / 2) {
                    move.setLong(1, 1 + random.nextInt(orders));
                    move.setLong(2, (long) MOVE_EVERY * (1 + random.nextLong(lines() / MOVE_EVERY)));
                    move.executeUpdate();
                    moves.incrementAndGet();
                } else {
                    long line = 1 + random.nextLong(lines());
                    if (line % MOVE_EVERY == 0) {
                        line--; // never a movable line: a sampled line stays in its order
                    }
                    update.setLong(1, line);
                    try (ResultSet rs = update.executeQuery()) {
                        long committedAt = System.nanoTime(); // autocommit: the statement's return is the commit's
                        rs.next();
                        if (seq % sampleEvery == 0) {
                            sampled.accept(new Sample(rs.getLong(1), line, rs.getLong(2), committedAt));
                        }
                    }
                }
                committed.incrementAndGet();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("W6 writer failed", e);
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
