package io.cdcfanout.it.support;

import io.cdcfanout.it.harness.TestDatabase;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Concurrent writers on a small hot key set of two tables, {@code <prefix>products(id, name, price, version)}
 * and {@code <prefix>stock(sku, qty, version)}: inserts, updates (each bumps {@code version} under the
 * row lock), deletes and re-inserts, in single- and multi-row transactions, some rolled back.
 *
 * <p>Every write carries a unique token (products: {@code name}, stock: {@code qty}), so the test can
 * tell which values were committed as a transaction's final state of a row, which were superseded inside
 * their transaction, and which were rolled back. For each key it records one expected history entry per
 * committed transaction that changed the key: the token of its final state, or {@link #DELETED}.
 */
public final class Workload {

    /** Expected-history entry of a transaction that left the key deleted. */
    public static final String DELETED = "<deleted>";

    public static final int KEYS = 20;

    /** The {@code sinks:} block feeding both workload tables to all three sinks, indexes named {@code <prefix>_<table>}. */
    public static String allSinksYaml(String elasticsearchUrl, String indexPrefix) {
        return """
                  search:
                    type: elasticsearch
                    url: %s
                    tables:
                      public.products: { index: %s_products }
                      public.stock: { index: %s_stock }
                  cache:
                    type: caffeine
                    tables: [public.products, public.stock]
                  history:
                    type: scd2
                    tables:
                      public.products: { history-table: history.products }
                      public.stock: { history-table: history.stock }
                """.formatted(elasticsearchUrl, indexPrefix, indexPrefix);
    }

    /** A row of one of the two tables; {@code table} is the logical name, {@code products} or {@code stock}. */
    public record Key(String table, String key) {}

    /** Called on the writer thread right after a commit, with each changed key's final state (null = deleted). */
    public interface AfterCommit {
        void committed(Map<Key, Map<String, String>> finalStates) throws Exception;
    }

    private final TestDatabase db;
    private final String prefix;
    private final AfterCommit afterCommit;
    private final AtomicLong tokens = new AtomicLong(1_000);
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Map<Key, List<String>> expected = new ConcurrentHashMap<>();
    private final Set<String> rolledBack = ConcurrentHashMap.newKeySet();
    private final Set<String> superseded = ConcurrentHashMap.newKeySet();
    private final AtomicLong committedTx = new AtomicLong();
    private final AtomicLong committedChanges = new AtomicLong();
    private final AtomicLong rolledBackTx = new AtomicLong();
    private final AtomicLong failedTx = new AtomicLong();
    private final List<Throwable> errors = new ArrayList<>();
    private volatile Duration pause = Duration.ZERO;
    private final Map<String, Long> txids = new ConcurrentHashMap<>();

    public Workload(TestDatabase db, String prefix, AfterCommit afterCommit) {
        this.db = db;
        this.prefix = prefix;
        this.afterCommit = afterCommit;
    }

    public String products() {
        return prefix + "products";
    }

    public String stock() {
        return prefix + "stock";
    }

    /** Creates both tables with {@link #KEYS} rows each (tokens {@code init-<id>} and qty {@code id}). */
    public void createTables() {
        db.execute(
                "CREATE TABLE " + products()
                        + " (id int PRIMARY KEY, name text NOT NULL, price numeric(10,2), version int NOT NULL)",
                "CREATE TABLE " + stock() + " (sku text PRIMARY KEY, qty int NOT NULL, version int NOT NULL)",
                "INSERT INTO " + products() + " SELECT g, 'init-' || g, g * 1.25, 1 FROM generate_series(1, " + KEYS
                        + ") g",
                "INSERT INTO " + stock() + " SELECT " + skuSql("g") + ", g, 1 FROM generate_series(1, " + KEYS + ") g");
        for (int i = 1; i <= KEYS; i++) {
            expected.computeIfAbsent(
                            new Key("products", String.valueOf(i)),
                            k -> java.util.Collections.synchronizedList(new ArrayList<>()))
                    .add("init-" + i);
            expected.computeIfAbsent(
                            new Key("stock", sku(i)), k -> java.util.Collections.synchronizedList(new ArrayList<>()))
                    .add(String.valueOf(i));
        }
    }

    public static String sku(int i) {
        return "SKU-%02d".formatted(i);
    }

    private static String skuSql(String n) {
        return "'SKU-' || lpad(" + n + "::text, 2, '0')";
    }

    /** Starts {@code threads} writers; they run until {@link #stop()} or {@code duration} has passed. May be called again after a stop. */
    public List<Thread> start(int threads, Duration duration) {
        long end = System.nanoTime() + duration.toNanos();
        stop.set(false);
        List<Thread> started = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(() -> writer(end), prefix + "writer-" + i);
            t.setDaemon(true);
            t.start();
            started.add(t);
        }
        return started;
    }

    /** Runs {@code threads} writers for {@code duration} and waits for them. */
    public void run(int threads, Duration duration) throws InterruptedException {
        for (Thread t : start(threads, duration)) {
            t.join();
        }
        throwIfFailed();
    }

    /** Makes each writer pause this long after every transaction (a steady load rather than a flood). */
    public Workload pacedBy(Duration pause) {
        this.pause = pause;
        return this;
    }

    public void stop() {
        stop.set(true);
    }

    public void throwIfFailed() {
        synchronized (errors) {
            if (!errors.isEmpty()) {
                throw new IllegalStateException("workload writer failed: " + errors.get(0), errors.get(0));
            }
        }
    }

    private void writer(long end) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        try (Connection c = db.connect()) {
            c.setAutoCommit(false);
            while (!stop.get() && System.nanoTime() < end) {
                transaction(c, random);
                if (!pause.isZero()) {
                    Thread.sleep(pause.toMillis());
                }
            }
        } catch (Throwable e) {
            synchronized (errors) {
                errors.add(e);
            }
        }
    }

    private void transaction(Connection c, ThreadLocalRandom random) throws Exception {
        int ops = random.nextInt(10) < 6 ? 1 : 2 + random.nextInt(3);
        boolean rollback = random.nextInt(10) == 0;
        Map<Key, Map<String, String>> finals = new LinkedHashMap<>();
        List<String> written = new ArrayList<>();
        Map<Key, Integer> deletedVersion = new java.util.HashMap<>();
        try {
            for (int i = 0; i < ops; i++) {
                boolean products = random.nextBoolean();
                int id = 1 + random.nextInt(KEYS);
                Key key = new Key(products ? "products" : "stock", products ? String.valueOf(id) : sku(id));
                int dice = random.nextInt(100);
                Map<String, String> state;
                boolean changed;
                if (dice < 55) {
                    String token = String.valueOf(tokens.incrementAndGet());
                    state = products
                            ? one(
                                    c,
                                    "UPDATE " + products()
                                            + " SET name = ?, price = ?, version = version + 1 WHERE id = ? RETURNING *",
                                    "p-" + token,
                                    price(random),
                                    id)
                            : one(
                                    c,
                                    "UPDATE " + stock()
                                            + " SET qty = ?, version = version + 1 WHERE sku = ? RETURNING *",
                                    Integer.parseInt(token),
                                    key.key());
                    changed = state != null;
                    if (changed) {
                        written.add(products ? "p-" + token : token);
                    }
                } else if (dice < 75) {
                    Map<String, String> deleted = products
                            ? one(c, "DELETE FROM " + products() + " WHERE id = ? RETURNING *", id)
                            : one(c, "DELETE FROM " + stock() + " WHERE sku = ? RETURNING *", key.key());
                    changed = deleted != null;
                    if (changed) {
                        deletedVersion.put(key, Integer.parseInt(deleted.get("version")));
                    }
                    state = null;
                } else {
                    String token = String.valueOf(tokens.incrementAndGet());
                    // A re-insert in the transaction that deleted the row continues its versions: to everyone
                    // else the row was only updated. Otherwise a re-insert starts a new stretch at 1.
                    int version = deletedVersion.getOrDefault(key, 0) + 1;
                    state = products
                            ? one(
                                    c,
                                    "INSERT INTO " + products()
                                            + " VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING RETURNING *",
                                    id,
                                    "p-" + token,
                                    price(random),
                                    version)
                            : one(
                                    c,
                                    "INSERT INTO " + stock()
                                            + " VALUES (?, ?, ?) ON CONFLICT (sku) DO NOTHING RETURNING *",
                                    key.key(),
                                    Integer.parseInt(token),
                                    version);
                    changed = state != null;
                    if (changed) {
                        written.add(products ? "p-" + token : token);
                    }
                }
                if (changed) {
                    Map<String, String> before = finals.remove(key);
                    if (before != null) {
                        superseded.add(token(key.table(), before));
                    }
                    finals.put(key, state);
                }
            }
            if (rollback) {
                c.rollback();
                rolledBack.addAll(written);
                rolledBackTx.incrementAndGet();
                return;
            }
            if (!finals.isEmpty()) {
                long txid = txid(c);
                finals.forEach((key, state) ->
                        txids.put(state == null ? key + "@" + DELETED + "#" + txid : token(key.table(), state), txid));
            }
            c.commit();
        } catch (SQLException e) {
            // deadlocks between multi-row transactions are part of the workload: the transaction is rolled back
            c.rollback();
            rolledBack.addAll(written);
            failedTx.incrementAndGet();
            return;
        }
        committedTx.incrementAndGet();
        committedChanges.addAndGet(finals.size());
        finals.forEach((key, state) -> expected.computeIfAbsent(
                        key, k -> java.util.Collections.synchronizedList(new ArrayList<>()))
                .add(state == null ? DELETED : token(key.table(), state)));
        if (afterCommit != null) {
            afterCommit.committed(finals);
        }
    }

    /** The unique token of a row state: products' name, stock's qty. */
    public static String token(String table, Map<String, String> state) {
        return table.equals("products") ? state.get("name") : state.get("qty");
    }

    private static long txid(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT txid_current()");
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The transaction id that committed a token (for diagnosing a lost change), or null. */
    public Long txidOf(String token) {
        return txids.get(token);
    }

    private static BigDecimal price(ThreadLocalRandom random) {
        return BigDecimal.valueOf(random.nextInt(1, 100_000), 2);
    }

    private static Map<String, String> one(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = prepare(c, sql, args);
                ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                return null;
            }
            Map<String, String> row = new TreeMap<>();
            for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                row.put(rs.getMetaData().getColumnName(i), Rows.norm(rs.getObject(i)));
            }
            return row;
        }
    }

    private static PreparedStatement prepare(Connection c, String sql, Object... args) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        for (int i = 0; i < args.length; i++) {
            ps.setObject(i + 1, args[i]);
        }
        return ps;
    }

    /** Per key, the expected history entries: one per committed change of the key (order unknown across threads). */
    public Map<Key, List<String>> expectedHistory() {
        Map<Key, List<String>> copy =
                new TreeMap<>(java.util.Comparator.comparing(Key::table).thenComparing(Key::key));
        expected.forEach((k, v) -> {
            synchronized (v) {
                copy.put(k, List.copyOf(v));
            }
        });
        return copy;
    }

    public Set<String> rolledBackTokens() {
        return Set.copyOf(rolledBack);
    }

    public Set<String> supersededTokens() {
        return Set.copyOf(superseded);
    }

    public long committedTransactions() {
        return committedTx.get();
    }

    /** Row changes committed (a row changed several times by one transaction counts once). */
    public long committedChanges() {
        return committedChanges.get();
    }

    public long rolledBackTransactions() {
        return rolledBackTx.get();
    }

    /** Transactions aborted by the database (deadlocks). */
    public long failedTransactions() {
        return failedTx.get();
    }
}
