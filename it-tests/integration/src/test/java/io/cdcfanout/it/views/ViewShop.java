package io.cdcfanout.it.views;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.it.support.EsDocs;
import java.math.BigDecimal;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The shop behind the view tests: six tables ({@code customers}, {@code orders}, {@code order_lines} with
 * {@code REPLICA IDENTITY FULL}, {@code products}, {@code tags}, {@code product_tags}), no foreign keys, a small hot
 * key set, the {@code orders} view of the contract (issue #17) over them, concurrent writers, and the oracle: one SQL
 * query that renders each order's expected document from the tables.
 *
 * <p>The writers rename customers, products and tags, change prices and line quantities, move lines between orders
 * (to missing orders too), delete and re-insert customers, orders, lines, products and tags, reassign orders to other
 * customers, change order and customer keys, reprice every product in one transaction, retag products, in single-
 * and multi-table transactions, a tenth of them rolled back. Without foreign
 * keys a line may point at a missing order (it is in no document) or a missing product ({@code product: null}), and
 * an order at a missing customer ({@code customer: null}).
 *
 * <p>All table names carry {@code prefix}, so a second shop (the naive dual write) can run beside the captured one
 * in the same database.
 */
final class ViewShop {

    static final int CUSTOMERS = 8;
    static final int ORDERS = 30;
    static final int LINES = 90;
    static final int PRODUCTS = 12;
    static final int TAGS = 6;

    /** Order ids a line may point at: the real range and two that never exist. */
    static final int ORDER_IDS = ORDERS + 2;

    private static final String[] CITIES = {"Lyon", "Porto", "Gdańsk", "Zürich", "Tromsø", "Ōsaka"};
    private static final String[] STATUSES = {"new", "paid", "shipped", "cancelled"};

    /** Called on the writer's connection right after its commit, with the orders the transaction touched. */
    interface AfterCommit {
        void committed(Connection c, Set<Long> orders) throws Exception;
    }

    private final TestDatabase db;
    private final String prefix;
    private final AfterCommit afterCommit;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong tokens = new AtomicLong(1_000);
    private final AtomicLong committedTx = new AtomicLong();
    private final AtomicLong committedChanges = new AtomicLong();
    private final AtomicLong multiTableTx = new AtomicLong();
    private final AtomicLong rolledBackTx = new AtomicLong();
    private final AtomicLong abortedTx = new AtomicLong();
    private final List<Throwable> errors = new ArrayList<>();
    private volatile Duration pause = Duration.ZERO;

    /**
     * @param afterCommit null for the captured shop; the naive dual write re-renders what each commit touched
     */
    ViewShop(TestDatabase db, String prefix, AfterCommit afterCommit) {
        this.db = db;
        this.prefix = prefix;
        this.afterCommit = afterCommit;
    }

    private String t(String table) {
        return prefix + table;
    }

    /** The {@code source.tables} entries (unquoted, comma-separated) of the shop. */
    String sourceTables() {
        return String.join(
                ", ",
                List.of("customers", "orders", "order_lines", "products", "tags", "product_tags").stream()
                        .map(n -> "public." + t(n))
                        .toList());
    }

    /** The top-level {@code views:} block: the {@code orders} view exactly as the contract writes it. */
    String viewsYaml() {
        return """
                views:
                  orders:
                    table: public.%1$sorders
                    one:
                      customer: { table: public.%1$scustomers, on: { customer_id: id } }
                    many:
                      lines:
                        table: public.%1$sorder_lines
                        on: { id: order_id }
                        order-by: [id]
                        one:
                          product:
                            table: public.%1$sproducts
                            on: { product_id: id }
                            many:
                              tags:
                                table: public.%1$stags
                                through: { table: public.%1$sproduct_tags, on: { id: product_id }, to: { tag_id: id } }
                                order-by: [id]
                """.formatted(prefix);
    }

    /** The {@code sinks:} block: an Elasticsearch sink serving the view under {@code alias}, and a caffeine sink. */
    static String sinksYaml(String elasticsearchUrl, String alias) {
        return """
                  search:
                    type: elasticsearch
                    url: %s
                    tables: {}
                    views: { orders: { index: %s } }
                  cache:
                    type: caffeine
                    tables: []
                    views: [orders]
                """.formatted(elasticsearchUrl, alias);
    }

    /** The whole service configuration: {@code base} (source, http, sinks) followed by the views. */
    String withViews(String base) {
        return base.stripTrailing() + "\n" + viewsYaml();
    }

    /** Creates the six tables and their first rows. */
    void createTables() {
        db.execute(
                "CREATE TABLE " + t("customers") + " (id bigint PRIMARY KEY, name text, city text)",
                "CREATE TABLE " + t("orders") + " (id bigint PRIMARY KEY, customer_id bigint, status text, note text)",
                "CREATE TABLE " + t("order_lines")
                        + " (id bigint PRIMARY KEY, order_id bigint, product_id bigint, quantity int)",
                "ALTER TABLE " + t("order_lines") + " REPLICA IDENTITY FULL",
                "CREATE TABLE " + t("products") + " (id bigint PRIMARY KEY, name text, price numeric(10,2))",
                "CREATE TABLE " + t("tags") + " (id bigint PRIMARY KEY, name text)",
                "CREATE TABLE " + t("product_tags")
                        + " (product_id bigint, tag_id bigint, PRIMARY KEY (product_id, tag_id))",
                "INSERT INTO " + t("customers") + " SELECT g, 'customer-' || g, (ARRAY['" + String.join("','", CITIES)
                        + "'])[1 + g % " + CITIES.length + "] FROM generate_series(1, " + CUSTOMERS + ") g",
                "INSERT INTO " + t("orders") + " SELECT g, 1 + g % " + CUSTOMERS + ", 'new', 'note ' || g"
                        + " FROM generate_series(1, " + ORDERS + ") g",
                "INSERT INTO " + t("order_lines") + " SELECT g, 1 + g % " + ORDERS + ", 1 + g % " + PRODUCTS + ", g"
                        + " FROM generate_series(1, " + LINES + ") g",
                "INSERT INTO " + t("products") + " SELECT g, 'product-' || g, g * 1.25 FROM generate_series(1, "
                        + PRODUCTS + ") g",
                "INSERT INTO " + t("tags") + " SELECT g, 'tag-' || g FROM generate_series(1, " + TAGS + ") g",
                "INSERT INTO " + t("product_tags") + " SELECT p, 1 + (p + k) % " + TAGS + " FROM generate_series(1, "
                        + PRODUCTS + ") p, generate_series(0, 1) k");
    }

    // ---- the oracle ----

    /**
     * The query rendering each order's expected document, {@code (id, json)} ordered by id: the root's columns, the
     * customer (or null), the lines by id, each with its product (or null) and the product's tags by id ({@code []}
     * when none). {@code where} filters the orders ({@code ""} for all).
     */
    String documentsSql(String where) {
        return """
                SELECT o.id, json_build_object(
                    'id', o.id, 'customer_id', o.customer_id, 'status', o.status, 'note', o.note,
                    'customer', (SELECT json_build_object('id', c.id, 'name', c.name, 'city', c.city)
                                 FROM %1$scustomers c WHERE c.id = o.customer_id),
                    'lines', COALESCE((
                        SELECT json_agg(json_build_object(
                                   'id', l.id, 'order_id', l.order_id, 'product_id', l.product_id,
                                   'quantity', l.quantity,
                                   'product', (SELECT json_build_object(
                                                   'id', p.id, 'name', p.name, 'price', p.price,
                                                   'tags', COALESCE((
                                                       SELECT json_agg(json_build_object('id', tg.id, 'name', tg.name)
                                                                       ORDER BY tg.id)
                                                       FROM %1$sproduct_tags pt JOIN %1$stags tg ON tg.id = pt.tag_id
                                                       WHERE pt.product_id = p.id), '[]'::json))
                                               FROM %1$sproducts p WHERE p.id = l.product_id))
                                        ORDER BY l.id)
                        FROM %1$sorder_lines l WHERE l.order_id = o.id), '[]'::json))::text
                FROM %1$sorders o %2$s
                ORDER BY o.id
                """.formatted(prefix, where);
    }

    /** Every order's expected document, by id text, read in one snapshot. */
    Map<String, JsonNode> expected() {
        try (Connection c = db.connect()) {
            return render(c, null);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The expected documents of {@code orders} (all when null) on {@code c}, by id text; absent orders are left out. */
    Map<String, JsonNode> render(Connection c, Collection<Long> orders) throws SQLException {
        Map<String, JsonNode> docs = new TreeMap<>(ViewShop::byNumber);
        try (PreparedStatement ps = c.prepareStatement(documentsSql(orders == null ? "" : "WHERE o.id = ANY(?)"))) {
            if (orders != null) {
                Array ids = c.createArrayOf("bigint", orders.toArray());
                ps.setArray(1, ids);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    docs.put(rs.getString(1), EsDocs.parse(rs.getString(2)));
                }
            }
        }
        return docs;
    }

    static int byNumber(String a, String b) {
        try {
            return Long.compare(Long.parseLong(a), Long.parseLong(b));
        } catch (NumberFormatException e) {
            return a.compareTo(b);
        }
    }

    // ---- comparisons ----

    /**
     * Every difference between {@code actual} documents and the {@code expected} ones: extra documents (no such
     * order), missing ones, and each differing field by its path, e.g. {@code lines[2].product.tags[0].name}. The
     * {@code _cdc} field of an actual document is ignored; numbers compare by value.
     */
    static List<String> differences(String what, Map<String, JsonNode> actual, Map<String, JsonNode> expected) {
        List<String> problems = new ArrayList<>();
        Set<String> ids = new TreeSet<>(ViewShop::byNumber);
        ids.addAll(actual.keySet());
        ids.addAll(expected.keySet());
        for (String id : ids) {
            JsonNode a = actual.get(id);
            JsonNode e = expected.get(id);
            if (e == null) {
                problems.add(what + " " + id + ": extra document (no such order) " + a);
            } else if (a == null) {
                problems.add(what + " " + id + ": missing, expected " + e);
            } else {
                List<String> fields = new ArrayList<>();
                diff("", withoutCdc(a), e, fields);
                if (!fields.isEmpty()) {
                    problems.add(what + " " + id + ": " + String.join("; ", fields) + " (document " + a + ", expected "
                            + e + ")");
                }
            }
        }
        return problems;
    }

    /** Number of documents that differ from (or should not exist beside) the expected ones. */
    static int divergent(Map<String, JsonNode> actual, Map<String, JsonNode> expected) {
        return differences("", actual, expected).size();
    }

    private static JsonNode withoutCdc(JsonNode doc) {
        if (doc.isObject() && doc.has("_cdc")) {
            var copy = doc.deepCopy();
            ((com.fasterxml.jackson.databind.node.ObjectNode) copy).remove("_cdc");
            return copy;
        }
        return doc;
    }

    /** Field-by-field differences of two JSON trees under {@code path}; numbers by value. */
    static void diff(String path, JsonNode a, JsonNode e, List<String> out) {
        boolean aNull = a == null || a.isNull() || a.isMissingNode();
        boolean eNull = e == null || e.isNull() || e.isMissingNode();
        String at = path.isEmpty() ? "<document>" : path;
        if (aNull || eNull) {
            if (aNull != eNull) {
                out.add(at + ": " + (a == null ? "absent" : a) + " != expected " + (e == null ? "absent" : e));
            } else if ((a == null) != (e == null)) {
                out.add(at + ": " + (a == null ? "absent" : "null") + " != expected "
                        + (e == null ? "absent" : "null"));
            }
            return;
        }
        if (a.isNumber() && e.isNumber()) {
            if (a.decimalValue().compareTo(e.decimalValue()) != 0) {
                out.add(at + ": " + a + " != expected " + e);
            }
            return;
        }
        if (a.isObject() && e.isObject()) {
            Set<String> names = new TreeSet<>();
            a.fieldNames().forEachRemaining(names::add);
            e.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                diff(path.isEmpty() ? name : path + "." + name, a.get(name), e.get(name), out);
            }
            return;
        }
        if (a.isArray() && e.isArray()) {
            if (a.size() != e.size()) {
                out.add(at + ": " + a.size() + " elements " + ids(a) + " != expected " + e.size() + " " + ids(e));
                return;
            }
            for (int i = 0; i < a.size(); i++) {
                diff(path + "[" + i + "]", a.get(i), e.get(i), out);
            }
            return;
        }
        if (!a.equals(e)) {
            out.add(at + ": " + a + " != expected " + e);
        }
    }

    private static String ids(JsonNode array) {
        List<String> ids = new ArrayList<>();
        for (Iterator<JsonNode> it = array.elements(); it.hasNext(); ) {
            JsonNode element = it.next();
            ids.add(element.has("id") ? element.get("id").toString() : element.toString());
        }
        return "(ids " + ids + ")";
    }

    /**
     * {@code GET /cache/views/orders/<id>?min_lsn=<minLsn>} for every order id a row may have
     * ({@code 1..ORDER_IDS}): 200 with the expected document for the orders that exist, 404 for the others. Returns
     * the differences; adds the number of entries compared to {@code compared}.
     */
    static List<String> cacheDifferences(
            Function<String, java.net.http.HttpResponse<String>> get,
            String minLsn,
            Map<String, JsonNode> expected,
            AtomicLong compared) {
        List<String> problems = new ArrayList<>();
        for (int id = 1; id <= ORDER_IDS; id++) {
            String key = String.valueOf(id);
            var response = get.apply("/cache/views/orders/" + key + "?min_lsn=" + minLsn);
            JsonNode want = expected.get(key);
            compared.incrementAndGet();
            if (want == null) {
                if (response.statusCode() != 404) {
                    problems.add("cache orders " + key + ": the order does not exist but the cache answers "
                            + response.statusCode() + " " + response.body());
                }
                continue;
            }
            if (response.statusCode() != 200) {
                problems.add("cache orders " + key + ": " + response.statusCode() + " " + response.body()
                        + ", expected " + want);
                continue;
            }
            JsonNode body;
            try {
                body = EsDocs.parse(response.body());
            } catch (IllegalArgumentException e) {
                problems.add("cache orders " + key + ": unreadable " + response.body());
                continue;
            }
            if (!"orders".equals(body.path("view").asText())
                    || !key.equals(body.path("key").asText())) {
                problems.add("cache orders " + key + ": view/key in the answer are " + body.path("view") + "/"
                        + body.path("key") + ": " + response.body());
            }
            if (body.path("version").asText().isEmpty()) {
                problems.add("cache orders " + key + ": no version in " + response.body());
            }
            JsonNode document = body.get("document");
            if (document != null && document.has("_cdc")) {
                problems.add("cache orders " + key + ": the cached document has _cdc: " + document);
            }
            problems.addAll(
                    differences("cache orders", Map.of(key, document == null ? body : document), Map.of(key, want)));
        }
        return problems;
    }

    // ---- the writers ----

    /** Makes each writer pause this long after every transaction (a steady load rather than a flood). */
    ViewShop pacedBy(Duration pause) {
        this.pause = pause;
        return this;
    }

    /** Starts {@code threads} writers; they run until {@link #stop()} or {@code duration} has passed. */
    List<Thread> start(int threads, Duration duration) {
        long end = System.nanoTime() + duration.toNanos();
        stop.set(false);
        List<Thread> started = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            Thread thread = new Thread(() -> writer(end), prefix + "shop-writer-" + i);
            thread.setDaemon(true);
            thread.start();
            started.add(thread);
        }
        return started;
    }

    void stop() {
        stop.set(true);
    }

    void throwIfFailed() {
        synchronized (errors) {
            if (!errors.isEmpty()) {
                throw new IllegalStateException("shop writer failed: " + errors.get(0), errors.get(0));
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

    /**
     * Called after each write of {@link #eachKindAlone}, once it is committed, with the kind's name and the rows it
     * changed (0 when 100 tries found no row to change).
     */
    interface Step {
        void after(String kind, long changes) throws Exception;
    }

    /**
     * After the concurrent writers: one committed single-write transaction of each kind the writers make, each tried
     * with other random rows until it changes one, then {@code step} (which waits for the service and compares), so a
     * kind of change that re-renders too few documents is seen alone, not hidden by a later change of the same
     * orders. Returns the rows changed.
     */
    long eachKindAlone(Step step) throws Exception {
        long before = committedChanges.get();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        try (Connection c = db.connect()) {
            c.setAutoCommit(false);
            for (Map.Entry<Integer, String> kind : KINDS.entrySet()) {
                long changes = 0;
                for (int attempt = 0; attempt < 100 && changes == 0; attempt++) {
                    changes = transaction(c, random, kind.getKey());
                }
                step.after(kind.getValue(), changes);
            }
        }
        throwIfFailed();
        return committedChanges.get() - before;
    }

    /** Each kind of write in {@link #operation}: its first dice value, and its name. */
    private static final Map<Integer, String> KINDS = kinds(
            0, "rename a customer",
            12, "delete a customer",
            15, "insert a customer",
            20, "an order's status and note",
            26, "an order to another customer",
            30, "delete an order",
            33, "insert an order",
            38, "a line's quantity",
            50, "move a line to another order",
            60, "a line to another product",
            63, "delete a line",
            65, "insert a line",
            69, "untag a product",
            75, "tag a product",
            81, "rename a product",
            87, "delete a product",
            89, "insert a product",
            92, "rename a tag",
            94, "an order's key",
            95, "a customer's key",
            96, "reprice every product",
            97, "delete a tag",
            98, "insert a tag");

    private static Map<Integer, String> kinds(Object... diceAndNames) {
        Map<Integer, String> kinds = new java.util.LinkedHashMap<>();
        for (int i = 0; i < diceAndNames.length; i += 2) {
            kinds.put((Integer) diceAndNames[i], (String) diceAndNames[i + 1]);
        }
        return kinds;
    }

    private void transaction(Connection c, ThreadLocalRandom random) throws Exception {
        var unused = transaction(c, random, -1);
    }

    /**
     * A transaction of random writes, or of the one write of kind {@code dice} (never rolled back) when it is set;
     * returns the rows it changed, 0 when it was rolled back.
     */
    private long transaction(Connection c, ThreadLocalRandom random, int dice) throws Exception {
        int ops = dice >= 0 || random.nextInt(10) < 5 ? 1 : 2 + random.nextInt(3);
        boolean rollback = dice < 0 && random.nextInt(10) == 0;
        Set<Long> touched = new TreeSet<>();
        Set<String> tables = new TreeSet<>();
        long changes = 0;
        try {
            for (int i = 0; i < ops; i++) {
                changes += operation(c, random, dice >= 0 ? dice : random.nextInt(100), touched, tables);
            }
            if (rollback) {
                c.rollback();
                rolledBackTx.incrementAndGet();
                return 0;
            }
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            // deadlocks (and serialization failures) between concurrent transactions are part of the workload
            // and so is a key update that meets a concurrent insert of the same key
            if ("40P01".equals(e.getSQLState()) || "40001".equals(e.getSQLState()) || "23505".equals(e.getSQLState())) {
                abortedTx.incrementAndGet();
                return 0;
            }
            throw e;
        }
        committedTx.incrementAndGet();
        committedChanges.addAndGet(changes);
        if (tables.size() > 1) {
            multiTableTx.incrementAndGet();
        }
        if (afterCommit != null && !touched.isEmpty()) {
            afterCommit.committed(c, touched);
        }
        return changes;
    }

    /**
     * One write of kind {@code dice} (0-99: the branch below it falls in); returns the rows it changed. For the naive shop it adds the orders whose documents it changes to
     * {@code touched}, as the application knows them inside its transaction.
     */
    private long operation(Connection c, ThreadLocalRandom random, int dice, Set<Long> touched, Set<String> tables)
            throws SQLException {
        long token = tokens.incrementAndGet();
        int customer = 1 + random.nextInt(CUSTOMERS);
        int order = 1 + random.nextInt(ORDERS);
        int line = 1 + random.nextInt(LINES);
        int product = 1 + random.nextInt(PRODUCTS);
        int tag = 1 + random.nextInt(TAGS);
        boolean track = afterCommit != null;
        if (dice < 12) { // rename a customer, new city
            tables.add("customers");
            long n = update(
                    c,
                    "UPDATE " + t("customers") + " SET name = ?, city = ? WHERE id = ?",
                    "customer-" + token,
                    CITIES[random.nextInt(CITIES.length)],
                    customer);
            if (n > 0 && track) {
                touched.addAll(longs(c, "SELECT id FROM " + t("orders") + " WHERE customer_id = ?", customer));
            }
            return n;
        } else if (dice < 15) { // delete a customer
            tables.add("customers");
            long n = update(c, "DELETE FROM " + t("customers") + " WHERE id = ?", customer);
            if (n > 0 && track) {
                touched.addAll(longs(c, "SELECT id FROM " + t("orders") + " WHERE customer_id = ?", customer));
            }
            return n;
        } else if (dice < 20) { // re-insert a customer
            tables.add("customers");
            long n = update(
                    c,
                    "INSERT INTO " + t("customers") + " VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING",
                    customer,
                    "customer-" + token,
                    random.nextInt(5) == 0 ? null : CITIES[random.nextInt(CITIES.length)]);
            if (n > 0 && track) {
                touched.addAll(longs(c, "SELECT id FROM " + t("orders") + " WHERE customer_id = ?", customer));
            }
            return n;
        } else if (dice < 26) { // an order's status and note
            tables.add("orders");
            long n = update(
                    c,
                    "UPDATE " + t("orders") + " SET status = ?, note = ? WHERE id = ?",
                    STATUSES[random.nextInt(STATUSES.length)],
                    random.nextInt(6) == 0 ? null : "note " + token,
                    order);
            if (n > 0) {
                touched.add((long) order);
            }
            return n;
        } else if (dice < 30) { // an order to another customer (one that may not exist, or none)
            tables.add("orders");
            Integer to = random.nextInt(8) == 0 ? null : 1 + random.nextInt(CUSTOMERS + 1);
            long n = update(c, "UPDATE " + t("orders") + " SET customer_id = ? WHERE id = ?", to, order);
            if (n > 0) {
                touched.add((long) order);
            }
            return n;
        } else if (dice < 33) { // delete an order (its lines stay, pointing at nothing)
            tables.add("orders");
            long n = update(c, "DELETE FROM " + t("orders") + " WHERE id = ?", order);
            if (n > 0) {
                touched.add((long) order);
            }
            return n;
        } else if (dice < 38) { // re-insert an order
            tables.add("orders");
            long n = update(
                    c,
                    "INSERT INTO " + t("orders") + " VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                    order,
                    1 + random.nextInt(CUSTOMERS),
                    "new",
                    "again " + token);
            if (n > 0) {
                touched.add((long) order);
            }
            return n;
        } else if (dice < 50) { // a line's quantity
            tables.add("order_lines");
            List<Long> in = longs(
                    c,
                    "UPDATE " + t("order_lines") + " SET quantity = ? WHERE id = ? RETURNING order_id",
                    random.nextInt(1, 1000),
                    line);
            touched.addAll(in);
            return in.size();
        } else if (dice < 60) { // move a line to another order (maybe one that does not exist)
            tables.add("order_lines");
            if (track) {
                touched.addAll(longs(c, "SELECT order_id FROM " + t("order_lines") + " WHERE id = ? FOR UPDATE", line));
            }
            List<Long> to = longs(
                    c,
                    "UPDATE " + t("order_lines") + " SET order_id = ? WHERE id = ? RETURNING order_id",
                    1 + random.nextInt(ORDER_IDS),
                    line);
            touched.addAll(to);
            return to.size();
        } else if (dice < 63) { // a line to another product (one that may not exist)
            tables.add("order_lines");
            List<Long> in = longs(
                    c,
                    "UPDATE " + t("order_lines") + " SET product_id = ? WHERE id = ? RETURNING order_id",
                    1 + random.nextInt(PRODUCTS + 1),
                    line);
            touched.addAll(in);
            return in.size();
        } else if (dice < 65) { // delete a line
            tables.add("order_lines");
            List<Long> in = longs(c, "DELETE FROM " + t("order_lines") + " WHERE id = ? RETURNING order_id", line);
            touched.addAll(in);
            return in.size();
        } else if (dice < 69) { // re-insert a line
            tables.add("order_lines");
            List<Long> in = longs(
                    c,
                    "INSERT INTO " + t("order_lines")
                            + " VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING RETURNING order_id",
                    line,
                    order,
                    1 + random.nextInt(PRODUCTS + 1),
                    random.nextInt(1, 1000));
            touched.addAll(in);
            return in.size();
        } else if (dice < 75) { // untag a product
            tables.add("product_tags");
            long n = update(
                    c, "DELETE FROM " + t("product_tags") + " WHERE product_id = ? AND tag_id = ?", product, tag);
            if (n > 0 && track) {
                touched.addAll(ordersOfProduct(c, product));
            }
            return n;
        } else if (dice < 81) { // tag a product
            tables.add("product_tags");
            long n = update(
                    c, "INSERT INTO " + t("product_tags") + " VALUES (?, ?) ON CONFLICT DO NOTHING", product, tag);
            if (n > 0 && track) {
                touched.addAll(ordersOfProduct(c, product));
            }
            return n;
        } else if (dice < 87) { // rename a product, new price
            tables.add("products");
            long n = update(
                    c,
                    "UPDATE " + t("products") + " SET name = ?, price = ? WHERE id = ?",
                    "product-" + token,
                    random.nextInt(10) == 0 ? null : BigDecimal.valueOf(random.nextInt(1, 100_000), 2),
                    product);
            if (n > 0 && track) {
                touched.addAll(ordersOfProduct(c, product));
            }
            return n;
        } else if (dice < 89) { // delete a product (its tags stay)
            tables.add("products");
            long n = update(c, "DELETE FROM " + t("products") + " WHERE id = ?", product);
            if (n > 0 && track) {
                touched.addAll(ordersOfProduct(c, product));
            }
            return n;
        } else if (dice < 92) { // re-insert a product
            tables.add("products");
            long n = update(
                    c,
                    "INSERT INTO " + t("products") + " VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING",
                    product,
                    "product-" + token,
                    BigDecimal.valueOf(random.nextInt(1, 100_000), 2));
            if (n > 0 && track) {
                touched.addAll(ordersOfProduct(c, product));
            }
            return n;
        } else if (dice < 94) { // rename a tag
            tables.add("tags");
            long n = update(c, "UPDATE " + t("tags") + " SET name = ? WHERE id = ?", "tag-" + token, tag);
            if (n > 0 && track) {
                touched.addAll(ordersOfTag(c, tag));
            }
            return n;
        } else if (dice < 95) { // an order's key changes: one root goes, another comes
            tables.add("orders");
            int to = 1 + random.nextInt(ORDERS);
            long n = update(
                    c,
                    "UPDATE " + t("orders") + " SET id = ? WHERE id = ? AND NOT EXISTS (SELECT 1 FROM " + t("orders")
                            + " WHERE id = ?)",
                    to,
                    order,
                    to);
            if (n > 0) {
                touched.add((long) order);
                touched.add((long) to);
            }
            return n;
        } else if (dice < 96) { // a customer's key changes: their orders lose them, others may find them
            tables.add("customers");
            int to = 1 + random.nextInt(CUSTOMERS + 1);
            long n = update(
                    c,
                    "UPDATE " + t("customers") + " SET id = ? WHERE id = ? AND NOT EXISTS (SELECT 1 FROM "
                            + t("customers") + " WHERE id = ?)",
                    to,
                    customer,
                    to);
            if (n > 0 && track) {
                touched.addAll(
                        longs(c, "SELECT id FROM " + t("orders") + " WHERE customer_id IN (?, ?)", customer, to));
            }
            return n;
        } else if (dice < 97) { // every price at once: one transaction re-renders every order with a product
            tables.add("products");
            long n = update(c, "UPDATE " + t("products") + " SET price = price + 0.01 WHERE price < 99000");
            if (n > 0 && track) {
                touched.addAll(longs(c, "SELECT DISTINCT order_id FROM " + t("order_lines")));
            }
            return n;
        } else if (dice < 98) { // delete a tag (its links stay)
            tables.add("tags");
            long n = update(c, "DELETE FROM " + t("tags") + " WHERE id = ?", tag);
            if (n > 0 && track) {
                touched.addAll(ordersOfTag(c, tag));
            }
            return n;
        } else { // re-insert a tag
            tables.add("tags");
            long n = update(
                    c, "INSERT INTO " + t("tags") + " VALUES (?, ?) ON CONFLICT (id) DO NOTHING", tag, "tag-" + token);
            if (n > 0 && track) {
                touched.addAll(ordersOfTag(c, tag));
            }
            return n;
        }
    }

    private List<Long> ordersOfProduct(Connection c, int product) throws SQLException {
        return longs(c, "SELECT DISTINCT order_id FROM " + t("order_lines") + " WHERE product_id = ?", product);
    }

    private List<Long> ordersOfTag(Connection c, int tag) throws SQLException {
        return longs(
                c,
                "SELECT DISTINCT l.order_id FROM " + t("order_lines") + " l JOIN " + t("product_tags")
                        + " pt ON pt.product_id = l.product_id WHERE pt.tag_id = ?",
                tag);
    }

    private static long update(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = prepare(c, sql, args)) {
            return ps.executeUpdate();
        }
    }

    /** The non-null first column of every row a query (or a {@code RETURNING} write) gives. */
    private static List<Long> longs(Connection c, String sql, Object... args) throws SQLException {
        List<Long> values = new ArrayList<>();
        try (PreparedStatement ps = prepare(c, sql, args);
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                long v = rs.getLong(1);
                if (!rs.wasNull()) {
                    values.add(v);
                }
            }
        }
        return values;
    }

    private static PreparedStatement prepare(Connection c, String sql, Object... args) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        for (int i = 0; i < args.length; i++) {
            if (args[i] == null) {
                ps.setNull(i + 1, java.sql.Types.NULL);
            } else {
                ps.setObject(i + 1, args[i]);
            }
        }
        return ps;
    }

    long committedTransactions() {
        return committedTx.get();
    }

    /** Rows changed by committed transactions. */
    long committedChanges() {
        return committedChanges.get();
    }

    /** Committed transactions that wrote more than one table. */
    long multiTableTransactions() {
        return multiTableTx.get();
    }

    long rolledBackTransactions() {
        return rolledBackTx.get();
    }

    /** Transactions the database aborted (deadlocks, a key update meeting an insert of the same key). */
    long abortedTransactions() {
        return abortedTx.get();
    }
}
