package io.cdcfanout.demo;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/** A gentle shop workload: price and stock changes, new orders, now and then a new tax rate. */
final class WriteLoad implements AutoCloseable {

    private final String url;
    private final String user;
    private final String password;
    private final AtomicLong writes = new AtomicLong();
    private volatile boolean running = true;
    private Thread thread;

    WriteLoad(String url, String user, String password) {
        this.url = url;
        this.user = user;
        this.password = password;
    }

    void start() {
        thread = new Thread(this::run, "demo-writes");
        thread.setDaemon(true);
        thread.start();
    }

    long writes() {
        return writes.get();
    }

    private void run() {
        while (running) {
            try (Connection c = DriverManager.getConnection(url, user, password)) {
                while (running) {
                    writeOnce(c);
                    writes.incrementAndGet();
                    Thread.sleep(200);
                }
            } catch (SQLException e) {
                if (running) {
                    Demo.say("write failed, retrying: " + e.getMessage());
                    sleep();
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static void writeOnce(Connection c) throws SQLException {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int dice = random.nextInt(100);
        if (dice < 50) {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE products SET price = round((price * ?)::numeric, 2), stock = stock - 1 WHERE id = ?")) {
                ps.setDouble(1, 0.95 + random.nextDouble() * 0.1);
                ps.setLong(2, 1 + random.nextInt(20));
                ps.executeUpdate();
            }
        } else if (dice < 97) {
            try (PreparedStatement ps =
                    c.prepareStatement("INSERT INTO orders (customer_id, product_id, qty) VALUES (?, ?, ?)")) {
                ps.setLong(1, 1 + random.nextInt(10));
                ps.setLong(2, 1 + random.nextInt(20));
                ps.setInt(3, 1 + random.nextInt(3));
                ps.executeUpdate();
            }
        } else {
            try (PreparedStatement ps = c.prepareStatement("UPDATE tax_rates SET rate = ? WHERE country = ?")) {
                ps.setBigDecimal(1, new java.math.BigDecimal("0.1" + (5 + random.nextInt(5))));
                ps.setString(2, new String[] {"DE", "FR", "NL"}[random.nextInt(3)]);
                ps.executeUpdate();
            }
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        if (thread != null) {
            thread.interrupt();
        }
    }
}
