package io.cdcfanout.it.views;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdcfanout.it.harness.Backends;
import io.cdcfanout.it.harness.BackendsExtension;
import io.cdcfanout.it.harness.ElasticsearchBackend;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.it.support.EsDocs;
import io.cdcfanout.it.support.RunningService;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.RowJson;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Fan-out of a view (issue #17): one change of a related row re-renders every root document that shows it. A
 * customer with 10,000 orders is renamed in one transaction; every one of those order documents, in Elasticsearch
 * (through the alias) and in the cache, must show the new name, and the other customers' orders must stay as they
 * were. Prints the time from the commit to all re-rendered and the peak heap of this JVM (the service runs in it)
 * while the fan-out ran; asserts neither.
 */
@ExtendWith(BackendsExtension.class)
class ViewFanOutIT {

    private static final int FAN_OUT = 10_000;
    private static final int OTHER_CUSTOMERS = 4;
    private static final int ORDERS_PER_OTHER = 500;
    private static final int ALL_ORDERS = FAN_OUT + OTHER_CUSTOMERS * ORDERS_PER_OTHER;
    private static final String OLD_NAME = "Ada Lovelace";
    private static final String NEW_NAME = "Ada King, Countess of Lovelace";

    @Test
    void renamingACustomerReRendersAllHerOrdersAndNoOthers(TestDatabase db, ElasticsearchBackend elasticsearch)
            throws Exception {
        db.execute(
                "CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL)",
                "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, status text NOT NULL)",
                "INSERT INTO customers VALUES (1, '" + OLD_NAME + "')",
                "INSERT INTO customers SELECT g, 'Other ' || g FROM generate_series(2, " + (OTHER_CUSTOMERS + 1)
                        + ") g",
                // customer 1 owns orders 1..10000; the others own 500 each after that, interleaved
                "INSERT INTO orders SELECT g, 1, CASE WHEN g % 3 = 0 THEN 'shipped' ELSE 'new' END"
                        + " FROM generate_series(1, " + FAN_OUT + ") g",
                "INSERT INTO orders SELECT g, 2 + (g % " + OTHER_CUSTOMERS + "), 'paid' FROM generate_series("
                        + (FAN_OUT + 1) + ", " + ALL_ORDERS + ") g");
        String slot = Backends.uniqueName("vfan");
        String index = slot + "_orders";
        EsDocs es = new EsDocs(elasticsearch.url());
        String base = RunningService.configYaml(db, slot, "public.customers, public.orders", "");
        String yaml = base.substring(0, base.lastIndexOf("sinks:")) + """
                views:
                  orders:
                    table: public.orders
                    one:
                      customer: { table: public.customers, on: { customer_id: id } }
                sinks:
                  search:
                    type: elasticsearch
                    url: %s
                    tables: {}
                    views: { orders: { index: %s } }
                  cache:
                    type: caffeine
                    max-entries: 100000
                    tables: []
                    views: [orders]
                """.formatted(elasticsearch.url(), index);

        ExecutorService readers = Executors.newFixedThreadPool(8);
        try (RunningService service = RunningService.start(yaml)) {
            service.awaitReady();
            service.awaitCaughtUp(db, Duration.ofSeconds(180));
            Awaitility.await("the snapshot rendered all " + ALL_ORDERS + " order documents")
                    .atMost(Duration.ofSeconds(180))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> count(es, index, null) == ALL_ORDERS);

            Map<Long, JsonNode> before = scan(es, index);
            assertThat(before).hasSize(ALL_ORDERS);
            assertDocument(before.get(1L), 1, 1, "new", OLD_NAME);
            assertDocument(before.get(3L), 3, 1, "shipped", OLD_NAME);
            assertDocument(
                    before.get((long) FAN_OUT + 1),
                    FAN_OUT + 1,
                    2 + ((FAN_OUT + 1) % OTHER_CUSTOMERS),
                    "paid",
                    "Other " + (2 + ((FAN_OUT + 1) % OTHER_CUSTOMERS)));
            Map<Long, Long> otherVersions = versions(es, index, LongStream.rangeClosed(FAN_OUT + 1, ALL_ORDERS));
            List<String> cacheBefore = cacheProblems(service, readers, LongStream.rangeClosed(1, ALL_ORDERS), null);
            assertThat(cacheBefore).as("cache after the snapshot").isEmpty();

            // the rename, in one transaction, and the fan-out it causes
            System.gc();
            HeapSampler heap = new HeapSampler();
            heap.start();
            long committedAt;
            Lsn lsn;
            Lsn beforeCommit;
            try (Connection c = db.connect();
                    Statement s = c.createStatement()) {
                c.setAutoCommit(false);
                beforeCommit = RunningService.currentWalLsn(db);
                s.executeUpdate("UPDATE customers SET name = '" + NEW_NAME.replace("'", "''") + "' WHERE id = 1");
                c.commit();
                committedAt = System.nanoTime();
            }
            lsn = RunningService.currentWalLsn(db);

            long[] esDone = {0};
            long[] cacheDone = {0};
            Awaitility.await("all " + FAN_OUT + " order documents show the new name")
                    .atMost(Duration.ofSeconds(600))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        if (cacheDone[0] == 0 && applied(service, "cache", lsn)) {
                            cacheDone[0] = System.nanoTime();
                        }
                        if (esDone[0] == 0 && count(es, index, NEW_NAME) == FAN_OUT) {
                            esDone[0] = System.nanoTime();
                        }
                        return esDone[0] != 0 && cacheDone[0] != 0;
                    });
            heap.stop();
            double esSeconds = (esDone[0] - committedAt) / 1e9;
            double cacheSeconds = (cacheDone[0] - committedAt) / 1e9;
            double seconds = Math.max(esSeconds, cacheSeconds);
            System.out.printf(
                    "VIEW FANOUT: roots=%d seconds=%.2f peak-heap-mb=%d%n", FAN_OUT, seconds, heap.peak() >> 20);
            System.out.printf(
                    "VIEW FANOUT detail: elasticsearch searchable %.2f s, cache applied %.2f s after the commit;"
                            + " heap before %d MiB, peak %d MiB (this JVM: the service and the test), %d samples;"
                            + " max heap %d MiB%n",
                    esSeconds,
                    cacheSeconds,
                    heap.first() >> 20,
                    heap.peak() >> 20,
                    heap.samples(),
                    ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getMax() >> 20);

            // Elasticsearch, through the alias: every order of customer 1 renamed, the others as they were
            Map<Long, JsonNode> after = scan(es, index);
            assertThat(after).hasSize(ALL_ORDERS);
            List<String> esProblems = new ArrayList<>();
            for (long id = 1; id <= ALL_ORDERS; id++) {
                JsonNode doc = after.get(id);
                if (doc == null) {
                    esProblems.add(id + ": missing");
                } else if (id <= FAN_OUT) {
                    if (!NEW_NAME.equals(doc.path("customer").path("name").asText(null))) {
                        esProblems.add(id + ": not re-rendered: " + doc);
                    } else if (!withoutCdc(doc)
                            .path("status")
                            .equals(withoutCdc(before.get(id)).path("status"))) {
                        esProblems.add(id + ": status changed: " + doc);
                    }
                } else if (!withoutCdc(doc).equals(withoutCdc(before.get(id)))) {
                    esProblems.add(id + ": another customer's order changed: " + before.get(id) + " -> " + doc);
                }
            }
            assertThat(esProblems).as("elasticsearch documents that differ").isEmpty();
            assertDocument(after.get(1L), 1, 1, "new", NEW_NAME);
            assertDocument(after.get((long) FAN_OUT), FAN_OUT, 1, FAN_OUT % 3 == 0 ? "shipped" : "new", NEW_NAME);
            assertThat(versions(es, index, LongStream.rangeClosed(FAN_OUT + 1, ALL_ORDERS)))
                    .as("the other customers' order documents were not rewritten (their versions)")
                    .isEqualTo(otherVersions);

            // the cache: all of them, read after the cache applied the rename's position
            HttpResponse<String> first = service.get("/cache/views/orders/" + FAN_OUT + "?min_lsn=" + lsn);
            assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
            List<String> cacheAfter =
                    cacheProblems(service, readers, LongStream.rangeClosed(1, ALL_ORDERS), beforeCommit);
            assertThat(cacheAfter).as("cache documents that differ").isEmpty();
            assertThat(service.get("/cache/views/orders/" + (ALL_ORDERS + 1)).statusCode())
                    .as("an order that does not exist")
                    .isEqualTo(404);
        } finally {
            readers.shutdownNow();
            try {
                es.deleteIndex(index + "_v1");
            } catch (RuntimeException e) {
                System.err.println("cleanup: " + e);
            }
        }
    }

    private static void assertDocument(JsonNode doc, long id, long customerId, String status, String name) {
        assertThat(doc).as("document " + id).isNotNull();
        assertThat(doc.path("id").decimalValue()).as(id + ".id").isEqualByComparingTo(String.valueOf(id));
        assertThat(doc.path("customer_id").decimalValue())
                .as(id + ".customer_id")
                .isEqualByComparingTo(String.valueOf(customerId));
        assertThat(doc.path("status").asText()).as(id + ".status").isEqualTo(status);
        JsonNode customer = doc.path("customer");
        assertThat(customer.isObject())
                .as(id + ".customer is an object: " + doc)
                .isTrue();
        assertThat(customer.path("id").decimalValue())
                .as(id + ".customer.id")
                .isEqualByComparingTo(String.valueOf(customerId));
        assertThat(customer.path("name").asText()).as(id + ".customer.name").isEqualTo(name);
    }

    /** The document without its {@code _cdc} metadata. */
    private static JsonNode withoutCdc(JsonNode doc) {
        JsonNode copy = doc.deepCopy();
        ((com.fasterxml.jackson.databind.node.ObjectNode) copy).remove("_cdc");
        return copy;
    }

    /** Documents the alias finds (with {@code customer.name} equal to {@code name}, when given), after a refresh. */
    private static long count(EsDocs es, String index, String name) {
        es.refresh(index);
        String query = name == null
                ? "{\"query\": {\"match_all\": {}}}"
                : "{\"query\": {\"match_phrase\": {\"customer.name\": " + RowJson.MAPPER.valueToTree(name) + "}}}";
        JsonNode answer = es.send("POST", "/" + index + "/_count", query);
        if (!answer.has("count")) {
            return -1; // the alias is not there yet
        }
        return answer.get("count").asLong();
    }

    /** Every live document through the alias, by order id: search_after pages over the {@code id} field. */
    private static Map<Long, JsonNode> scan(EsDocs es, String index) {
        es.refresh(index);
        Map<Long, JsonNode> docs = new TreeMap<>();
        String after = "";
        while (true) {
            JsonNode answer = es.send(
                    "POST",
                    "/" + index + "/_search",
                    "{\"size\": 5000, \"sort\": [{\"id\": \"asc\"}], \"query\": {\"match_all\": {}}" + after + "}");
            JsonNode hits = answer.path("hits").path("hits");
            if (!answer.has("hits")) {
                throw new IllegalStateException("search on " + index + " failed: " + answer);
            }
            if (hits.isEmpty()) {
                return docs;
            }
            for (JsonNode hit : hits) {
                JsonNode source = hit.get("_source");
                if (source.path("_cdc").path("deleted").asBoolean(false)) {
                    throw new IllegalStateException("search on " + index + " returned tombstone " + hit);
                }
                long id = Long.parseLong(hit.get("_id").asText());
                assertThat(source.path("id").asLong()).as("_id of " + source).isEqualTo(id);
                docs.put(id, source);
            }
            after = ", \"search_after\": " + hits.get(hits.size() - 1).get("sort");
        }
    }

    /** {@code _version} of each document (the version the sink wrote: its LSN), read by id. */
    private static Map<Long, Long> versions(EsDocs es, String index, LongStream ids) {
        Map<Long, Long> versions = new TreeMap<>();
        List<Long> all = ids.boxed().toList();
        for (int from = 0; from < all.size(); from += 1000) {
            List<Long> chunk = all.subList(from, Math.min(all.size(), from + 1000));
            StringBuilder body = new StringBuilder("{\"ids\": [");
            for (int i = 0; i < chunk.size(); i++) {
                body.append(i == 0 ? "" : ",").append('"').append(chunk.get(i)).append('"');
            }
            body.append("]}");
            JsonNode answer = es.send("POST", "/" + index + "/_mget?_source=false", body.toString());
            for (JsonNode doc : answer.path("docs")) {
                versions.put(
                        Long.parseLong(doc.get("_id").asText()),
                        doc.path("_version").asLong(-1));
            }
        }
        return versions;
    }

    /** Whether {@code sink}'s last applied position is at or past {@code lsn} (after a fence). */
    private static boolean applied(RunningService service, String sink, Lsn lsn) throws SQLException {
        service.service().fence();
        JsonNode state = service.getJson("/status").path("sinks").path(sink);
        return !lsn.isAfter(Lsn.parse(state.path("last_applied_lsn").asText("0/0")));
    }

    /**
     * Reads {@code /cache/views/orders/{id}} for each id, 8 at a time, and lists each that is not as expected:
     * customer 1's orders show {@link #NEW_NAME}, rendered past {@code renamedAfter}, once that is given, else
     * {@link #OLD_NAME}; the others show their own customer.
     */
    private static List<String> cacheProblems(
            RunningService service, ExecutorService readers, LongStream ids, Lsn renamedAfter) throws Exception {
        List<String> problems = Collections.synchronizedList(new ArrayList<>());
        AtomicLong read = new AtomicLong();
        List<Future<?>> work = new ArrayList<>();
        List<Long> all = ids.boxed().toList();
        int slices = 8;
        for (int k = 0; k < slices; k++) {
            int slice = k;
            work.add(readers.submit(() -> {
                for (int i = slice; i < all.size(); i += slices) {
                    long id = all.get(i);
                    HttpResponse<String> response = service.get("/cache/views/orders/" + id);
                    read.incrementAndGet();
                    if (response.statusCode() != 200) {
                        problems.add(id + ": HTTP " + response.statusCode() + " " + response.body());
                        continue;
                    }
                    JsonNode body = EsDocs.parse(response.body());
                    long customerId = id <= FAN_OUT ? 1 : 2 + (id % OTHER_CUSTOMERS);
                    String name = id > FAN_OUT ? "Other " + customerId : renamedAfter != null ? NEW_NAME : OLD_NAME;
                    JsonNode doc = body.path("document");
                    if (!"orders".equals(body.path("view").asText())
                            || !String.valueOf(id).equals(body.path("key").asText())) {
                        problems.add(id + ": view/key " + body);
                    } else if (doc.has("_cdc")) {
                        problems.add(id + ": _cdc in the cache document " + body);
                    } else if (doc.path("id").asLong() != id
                            || doc.path("customer_id").asLong() != customerId
                            || doc.path("customer").path("id").asLong() != customerId
                            || !name.equals(doc.path("customer").path("name").asText(null))) {
                        problems.add(id + ": expected customer " + customerId + " '" + name + "': " + body);
                    } else if (renamedAfter != null
                            && id <= FAN_OUT
                            && !Lsn.parse(body.path("version").asText("0/0")).isAfter(renamedAfter)) {
                        problems.add(id + ": version " + body.path("version") + " not after " + renamedAfter
                                + ", the WAL position before the rename's commit");
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : work) {
            f.get();
        }
        assertThat(read.get()).isEqualTo(all.size());
        problems.sort(null);
        return problems.size() > 20 ? problems.subList(0, 20) : problems;
    }

    /** Samples this JVM's used heap every 20 ms until stopped. */
    private static final class HeapSampler {
        private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        private final Thread thread = new Thread(this::run, "heap-sampler");
        private final long first = memory.getHeapMemoryUsage().getUsed();
        private final AtomicLong peak = new AtomicLong(first);
        private final AtomicLong samples = new AtomicLong();
        private volatile boolean stopped;

        void start() {
            thread.setDaemon(true);
            thread.start();
        }

        void stop() throws InterruptedException {
            stopped = true;
            thread.join();
        }

        long first() {
            return first;
        }

        long peak() {
            return peak.get();
        }

        long samples() {
            return samples.get();
        }

        private void run() {
            while (!stopped) {
                peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                samples.incrementAndGet();
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }
}
