package io.cdcfanout.it.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cdcfanout.it.harness.Backends;
import io.cdcfanout.it.harness.BackendsExtension;
import io.cdcfanout.it.harness.ElasticsearchBackend;
import io.cdcfanout.it.support.EsDocs;
import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.Operation;
import io.cdcfanout.schema.Row;
import io.cdcfanout.schema.RowJson;
import io.cdcfanout.schema.RowKey;
import io.cdcfanout.schema.SourcePosition;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.ApplyResult;
import io.cdcfanout.sink.ChangeBatch;
import io.cdcfanout.sink.RetryableSinkException;
import io.cdcfanout.sink.Sink;
import io.cdcfanout.sink.SinkContext;
import io.cdcfanout.sink.search.ElasticsearchSinkConfig;
import io.cdcfanout.sink.search.ElasticsearchSinkConfig.Refresh;
import io.cdcfanout.sink.search.ElasticsearchSinkConfig.TableOptions;
import io.cdcfanout.sink.search.ElasticsearchSinkFactory;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The elasticsearch sink against a real node: ChangeEvents are built by hand, no Debezium involved. */
@ExtendWith(BackendsExtension.class)
class ElasticsearchSinkIT {

    private static final TableId PRODUCTS = TableId.parse("public.products");
    private static final AtomicLong SEQUENCE = new AtomicLong();

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final List<Sink> sinks = new ArrayList<>();
    private ElasticsearchBackend es;
    private EsDocs http;
    private String index;

    @BeforeEach
    void setUp(ElasticsearchBackend es) {
        this.es = es;
        this.http = new EsDocs(es.url());
        this.index = Backends.uniqueName("products");
    }

    @AfterEach
    void tearDown() {
        sinks.forEach(Sink::close);
        http.deleteIndex(index + "_v1");
        http.send("DELETE", "/cdc-fanout-meta/_doc/" + index + "_v1", null);
    }

    @Test
    void snapshotInsertUpdateAndDeleteLeaveTheIndexEqualToTheTable() throws Exception {
        Sink sink = started(options(null));
        Row p1 = product(1, "apple", "1.10");
        Row p2 = product(2, "pear", "2.20");
        Row p3 = product(3, "plum", "3.30");
        apply(sink, snapshot(100, p1), snapshot(100, p2), snapshot(100, p3));

        Row p4 = product(4, "kiwi", "4.40");
        Row p2v2 = product(2, "pear (ripe)", "2.25");
        ApplyResult result = apply(sink, insert(110, p4), update(120, p2v2), delete(130, 3));

        assertThat(result.rejections()).isEmpty();
        assertIndexEquals(Map.of("1", p1, "2", p2v2, "4", p4));
        JsonNode tombstone = http.get(index, "3");
        assertThat(tombstone.path("_version").asLong()).isEqualTo(130);
        assertThat(tombstone.path("_source").path("_cdc").path("deleted").asBoolean())
                .isTrue();
        assertThat(http.get(index, "2").path("_source").path("_cdc").path("lsn").asText())
                .isEqualTo(new Lsn(120).toString());
        assertThat(counter("cdc.sink.es.docs.indexed")).isEqualTo(5);
        assertThat(counter("cdc.sink.es.docs.deleted")).isEqualTo(1);
    }

    @Test
    void replayingABatchOrAnOlderBatchChangesNothing() throws Exception {
        Sink sink = started(options(null));
        ChangeEvent[] older = {
            insert(100, product(1, "a", "1.00")),
            insert(101, product(2, "b", "2.00")),
            update(102, product(1, "a2", "1.50"))
        };
        ChangeEvent[] newer = {
            update(200, product(1, "a3", "1.75")), delete(201, 2), insert(202, product(3, "c", "3.00"))
        };
        apply(sink, older);
        apply(sink, newer);
        Map<String, JsonNode> expected = http.live(index);
        Map<String, Long> versions = versions("1", "2", "3");

        apply(sink, newer);
        apply(sink, older);

        assertThat(http.live(index)).isEqualTo(expected);
        assertThat(versions("1", "2", "3")).isEqualTo(versions);
        assertThat(expected.keySet()).containsExactly("1", "3");
        // the older batch coalesces to one write per row (1@102, 2@101), both older than what the index holds;
        // the newer batch's replay rewrites equal versions (external_gte) with identical content
        assertThat(counter("cdc.sink.es.version.conflicts")).isEqualTo(2);
    }

    @Test
    void aDeleteStaysDeletedWhenAnOlderInsertIsReplayedAfterGcDeletes() throws Exception {
        ObjectNode mapping = RowJson.MAPPER.createObjectNode();
        mapping.putObject("settings").put("index.gc_deletes", "1s");
        Sink sink = started(options(mapping));
        ChangeEvent insert = insert(100, product(1, "apple", "1.10"));
        apply(sink, insert);
        apply(sink, delete(200, 1));
        Thread.sleep(2_000);
        http.refresh(index);

        apply(sink, insert);

        assertThat(http.live(index)).isEmpty();
        assertThat(http.get(index, "1").path("_version").asLong()).isEqualTo(200);
        assertThat(http.send("POST", "/" + index + "/_count", null)
                        .path("count")
                        .asLong())
                .isZero();
    }

    @Test
    void anUnchangedToastColumnSurvivesAnUpdateOfAnotherColumn() throws Exception {
        Sink sink = started(options(null));
        String big = "x".repeat(12_000);
        Row withBody = Row.builder()
                .put("id", 1L)
                .put("name", "book")
                .put("price", new BigDecimal("9.90"))
                .put("body", big)
                .build();
        apply(sink, insert(100, withBody));

        Row update = Row.builder()
                .put("id", 1L)
                .put("name", "book")
                .put("price", new BigDecimal("7.50"))
                .unchangedToast("body")
                .build();
        apply(sink, update(200, update));

        // and within one batch: the value comes from the earlier change of the same batch
        Row second = Row.builder()
                .put("id", 2L)
                .put("name", "tome")
                .put("price", new BigDecimal("1.00"))
                .put("body", big + "y")
                .build();
        Row secondUpdate = Row.builder()
                .put("id", 2L)
                .put("name", "tome II")
                .put("price", new BigDecimal("1.00"))
                .unchangedToast("body")
                .build();
        ApplyResult result = apply(sink, insert(300, second), update(301, secondUpdate));

        assertThat(result.rejections()).isEmpty();
        Map<String, JsonNode> docs = http.live(index);
        assertThat(docs.get("1").path("body").asText()).isEqualTo(big);
        assertThat(docs.get("1").path("price").decimalValue()).isEqualByComparingTo("7.50");
        assertThat(docs.get("2").path("body").asText()).isEqualTo(big + "y");
        assertThat(docs.get("2").path("name").asText()).isEqualTo("tome II");
    }

    @Test
    void aBatchOfManyToastUpdatesIsCompletedPageByPage() throws Exception {
        // more updates than one multi-get page (256): every page must be read, and only the unknown columns copied
        Sink sink = started(options(null));
        int rows = 600;
        List<ChangeEvent> inserts = new ArrayList<>();
        List<ChangeEvent> updates = new ArrayList<>();
        for (int i = 1; i <= rows; i++) {
            inserts.add(insert(
                    1000 + i,
                    item(i, "old " + i, "1.00")
                            .put("body", "body " + i + " " + "b".repeat(2_000))
                            .build()));
            updates.add(update(
                    5000 + i, item(i, "new " + i, "2.00").unchangedToast("body").build()));
        }
        assertThat(sink.apply(new ChangeBatch(inserts, new Lsn(2000))).rejections())
                .isEmpty();
        assertThat(sink.apply(new ChangeBatch(updates, new Lsn(6000))).rejections())
                .isEmpty();

        Map<String, JsonNode> docs = http.live(index);
        assertThat(docs).hasSize(rows);
        for (int i = 1; i <= rows; i++) {
            JsonNode doc = docs.get(String.valueOf(i));
            assertThat(doc.path("body").asText()).isEqualTo("body " + i + " " + "b".repeat(2_000));
            assertThat(doc.path("name").asText()).isEqualTo("new " + i);
            assertThat(doc.path("price").decimalValue()).isEqualByComparingTo("2.00");
        }
    }

    @Test
    void anUnchangedJsonbToastColumnKeepsItsExactNumbers() throws Exception {
        // jsonb kept as stored, not indexed: Elasticsearch's dynamic mapping cannot hold integers beyond long
        Sink sink = started(options((ObjectNode)
                EsDocs.parse("{\"properties\": {\"attrs\": {\"type\": \"object\", \"enabled\": false}}}")));
        JsonNode attrs =
                EsDocs.parse("{\"w\": 0.10000000000000000001, \"big\": 123456789012345678901234567890, \"pad\": \""
                        + "p".repeat(9_000) + "\"}");
        assertThat(apply(
                                sink,
                                insert(
                                        100,
                                        Row.builder()
                                                .put("id", 1L)
                                                .put("n", 1L)
                                                .put("attrs", attrs)
                                                .build()))
                        .rejections())
                .isEmpty();
        assertThat(apply(
                                sink,
                                update(
                                        200,
                                        Row.builder()
                                                .put("id", 1L)
                                                .put("n", 2L)
                                                .unchangedToast("attrs")
                                                .build()))
                        .rejections())
                .isEmpty();

        JsonNode source = http.get(index, "1").path("_source");
        assertThat(source.path("n").asLong()).isEqualTo(2);
        assertThat(source.path("attrs").path("w").decimalValue()).isEqualTo(new BigDecimal("0.10000000000000000001"));
        assertThat(source.path("attrs").path("big").bigIntegerValue())
                .isEqualTo(new java.math.BigInteger("123456789012345678901234567890"));
    }

    @Test
    void compositeKeysUseTheIdTemplateAndIncludeListsLimitTheDocument() throws Exception {
        Sink sink = started(new TableOptions(index, "{tenant}:{sku}", List.of("tenant", "sku", "qty"), null, null));
        Row row = Row.builder()
                .put("tenant", 7L)
                .put("sku", "A-1")
                .put("qty", 3L)
                .put("cost", new BigDecimal("2.00"))
                .build();
        RowKey key = new RowKey(List.of("tenant", "sku"), List.of(7L, "A-1"));
        apply(sink, event(Operation.INSERT, 100, key, null, row));

        Map<String, JsonNode> docs = http.live(index);
        assertThat(docs.keySet()).containsExactly("7:A-1");
        assertThat(docs.get("7:A-1").has("cost")).isFalse();
        assertThat(docs.get("7:A-1").path("qty").asLong()).isEqualTo(3);

        apply(sink, event(Operation.DELETE, 200, key, row, null));
        assertThat(http.live(index)).isEmpty();
    }

    @Test
    void anUnchangedToastColumnWithoutAPreviousDocumentIsRejectedNotErased() throws Exception {
        Sink sink = started(options(null));
        Row update = Row.builder()
                .put("id", 9L)
                .put("name", "ghost")
                .unchangedToast("body")
                .build();
        ApplyResult result = apply(sink, update(100, update));
        assertThat(result.rejections())
                .singleElement()
                .satisfies(r -> assertThat(r.reason()).contains("TOAST", "body"));
        assertThat(http.live(index)).isEmpty();
    }

    @Test
    void aDocumentElasticsearchRefusesComesBackAsARejectionAndTheRestArrives() throws Exception {
        ObjectNode mapping =
                (ObjectNode) RowJson.MAPPER.readTree("{\"properties\": {\"stock\": {\"type\": \"integer\"}}}");
        Sink sink = started(options(mapping));
        Row good = Row.builder().put("id", 1L).put("stock", 5L).build();
        Row bad = Row.builder().put("id", 2L).put("stock", "many").build();
        Row later = Row.builder().put("id", 3L).put("stock", 7L).build();

        ApplyResult result = apply(sink, insert(100, good), insert(101, bad), insert(102, later));
        ApplyResult next = apply(
                sink, insert(200, Row.builder().put("id", 4L).put("stock", 1L).build()));

        assertThat(result.rejections()).singleElement().satisfies(r -> {
            assertThat(r.event().key().asText()).isEqualTo("2");
            assertThat(r.reason()).contains("document_parsing_exception").contains("stock");
        });
        assertThat(next.rejections()).isEmpty();
        assertThat(http.live(index).keySet()).containsExactly("1", "3", "4");
    }

    @Test
    void truncateDeletesOlderDocumentsAndKeepsReplaysOfOlderChangesOut() throws Exception {
        Sink sink = started(options(null));
        ChangeEvent insert1 = insert(100, product(1, "a", "1.00"));
        apply(sink, insert1, insert(101, product(2, "b", "2.00")));
        apply(sink, delete(110, 2));
        ChangeEvent[] truncateBatch = {
            insert(190, product(5, "e", "5.00")), truncate(200), insert(300, product(3, "c", "3.00"))
        };

        apply(sink, truncateBatch);
        assertThat(http.live(index).keySet()).containsExactly("3");

        apply(sink, insert1); // a replay from before the TRUNCATE
        apply(sink, truncateBatch); // and the TRUNCATE batch again
        assertThat(http.live(index).keySet()).containsExactly("3");
        assertThat(http.get(index, "1").path("_version").asLong())
                .as("TRUNCATE leaves tombstones at its LSN")
                .isEqualTo(200);
        assertThat(http.get(index, "1")
                        .path("_source")
                        .path("_cdc")
                        .path("deleted")
                        .asBoolean())
                .isTrue();
        assertThat(http.get(index, "5").path("found").asBoolean())
                .as("a change older than the TRUNCATE in its batch")
                .isFalse();

        // the watermark is durable: a new sink instance still drops the old insert
        sink.close();
        sinks.remove(sink);
        Sink restarted = started(options(null));
        apply(restarted, insert1);
        assertThat(http.live(index).keySet()).containsExactly("3");
    }

    @Test
    void startFailsRetryablyWhenElasticsearchIsUnreachable() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        Sink sink = create("http://127.0.0.1:" + closedPort, options(null));
        assertThatThrownBy(sink::start)
                .isInstanceOf(RetryableSinkException.class)
                .hasMessageContaining("cannot reach");
    }

    @Test
    void applyFailsRetryablyDuringAnOutageAndCatchesUpAfterwards() throws Exception {
        URI target = URI.create(es.url());
        try (ClosableProxy proxy = new ClosableProxy(target.getPort())) {
            Sink sink = create("http://127.0.0.1:" + proxy.port(), options(null));
            sink.start();
            apply(sink, insert(100, product(1, "a", "1.00")));

            proxy.cut();
            ChangeBatch during = batch(insert(200, product(2, "b", "2.00")), delete(201, 1));
            assertThatThrownBy(() -> sink.apply(during)).isInstanceOf(RetryableSinkException.class);
            assertThatThrownBy(() -> sink.apply(during)).isInstanceOf(RetryableSinkException.class);

            proxy.open();
            assertThat(sink.apply(during).rejections()).isEmpty();
            assertThat(http.live(index).keySet()).containsExactly("2");
        }
    }

    @Test
    void aWriteBlockedIndexIsRetryableNotARejection() throws Exception {
        Sink sink = started(options(null));
        apply(sink, insert(100, product(1, "a", "1.00")));
        http.send("PUT", "/" + index + "_v1/_settings", "{\"index.blocks.write\": true}");
        try {
            assertThatThrownBy(() -> sink.apply(batch(insert(200, product(2, "b", "2.00")))))
                    .isInstanceOf(RetryableSinkException.class)
                    .hasMessageContaining("cluster_block_exception");
        } finally {
            http.send("PUT", "/" + index + "_v1/_settings", "{\"index.blocks.write\": false}");
        }
        assertThat(sink.apply(batch(insert(200, product(2, "b", "2.00")))).rejections())
                .isEmpty();
        assertThat(http.live(index).keySet()).containsExactly("1", "2");
    }

    @Test
    void twoInstancesStartingAtOnceBothSucceed() throws Exception {
        Sink a = create(es.url(), options(null));
        Sink b = create(es.url(), options(null));
        CompletableFuture<Void> startA = CompletableFuture.runAsync(() -> start(a));
        CompletableFuture<Void> startB = CompletableFuture.runAsync(() -> start(b));
        CompletableFuture.allOf(startA, startB).get();
        JsonNode aliases = http.send("GET", "/_alias/" + index, null);
        assertThat(aliases.has(index + "_v1")).isTrue();
        apply(a, insert(100, product(1, "a", "1.00")));
        assertThat(http.live(index).keySet()).containsExactly("1");
    }

    @Test
    void bigBatchesAreSplitIntoBoundedBulkRequests() throws Exception {
        Sink sink = create(new ElasticsearchSinkConfig(
                List.of(es.url()),
                null,
                null,
                null,
                null,
                Map.of(PRODUCTS, options(null)),
                Refresh.NONE,
                new ElasticsearchSinkConfig.BulkOptions(50, 4096L, 3),
                null));
        sink.start();
        List<ChangeEvent> events = new ArrayList<>();
        Map<String, Row> expected = new TreeMap<>();
        for (int i = 1; i <= 400; i++) {
            Row row = product(i, "item " + i, i + ".00");
            events.add(insert(1000 + i, row));
            expected.put(String.valueOf(i), row);
        }
        for (int i = 1; i <= 400; i += 2) { // rewrite every other row in the same batch: only the newest may land
            Row row = product(i, "item " + i + " v2", i + ".50");
            events.add(update(2000 + i, row));
            expected.put(String.valueOf(i), row);
        }
        assertThat(sink.apply(new ChangeBatch(events, new Lsn(3000))).rejections())
                .isEmpty();
        assertIndexEquals(expected);
        assertThat(counter("cdc.sink.es.bulk.requests")).isGreaterThan(8);
    }

    // --- helpers

    private static Row.Builder item(long id, String name, String price) {
        return Row.builder().put("id", id).put("name", name).put("price", new BigDecimal(price));
    }

    private TableOptions options(ObjectNode mapping) {
        return new TableOptions(index, null, null, null, mapping);
    }

    private Sink started(TableOptions options) throws RetryableSinkException {
        Sink sink = create(es.url(), options);
        sink.start();
        return sink;
    }

    private Sink create(String url, TableOptions options) {
        return create(new ElasticsearchSinkConfig(
                List.of(url), null, null, null, null, Map.of(PRODUCTS, options), Refresh.WAIT_FOR, null, null));
    }

    private Sink create(ElasticsearchSinkConfig config) {
        Sink sink = new ElasticsearchSinkFactory()
                .create("search", config, new SinkContext(null, meters, Clock.systemUTC()));
        sinks.add(sink);
        return sink;
    }

    private static void start(Sink sink) {
        try {
            sink.start();
        } catch (RetryableSinkException e) {
            throw new IllegalStateException(e);
        }
    }

    private ApplyResult apply(Sink sink, ChangeEvent... events) throws RetryableSinkException {
        return sink.apply(batch(events));
    }

    private static ChangeBatch batch(ChangeEvent... events) {
        Lsn end = Lsn.ZERO;
        for (ChangeEvent e : events) {
            end = Lsn.max(end, e.lsn());
        }
        return new ChangeBatch(List.of(events), end);
    }

    private void assertIndexEquals(Map<String, Row> expected) {
        Map<String, JsonNode> actual = new TreeMap<>();
        http.live(index).forEach((id, source) -> {
            ObjectNode copy = ((ObjectNode) source).deepCopy();
            copy.remove("_cdc");
            actual.put(id, copy);
        });
        Map<String, JsonNode> wanted = new TreeMap<>();
        expected.forEach(
                (id, row) -> wanted.put(id, EsDocs.parse(RowJson.toJson(row).toString())));
        assertThat(actual).isEqualTo(wanted);
    }

    private Map<String, Long> versions(String... ids) {
        Map<String, Long> versions = new LinkedHashMap<>();
        for (String id : ids) {
            versions.put(id, http.get(index, id).path("_version").asLong());
        }
        return versions;
    }

    private double counter(String name) {
        return meters.find(name).tag("index", index).counters().stream()
                .mapToDouble(c -> c.count())
                .sum();
    }

    private static Row product(long id, String name, String price) {
        return Row.builder()
                .put("id", id)
                .put("name", name)
                .put("price", new BigDecimal(price))
                .put("tags", List.of("fruit", "fresh"))
                .put(
                        "attrs",
                        RowJson.MAPPER.createObjectNode().put("origin", "NZ").put("weight", new BigDecimal("0.125")))
                .put("photo", new byte[] {1, 2, 3})
                .put("ratio", Double.NaN)
                .put("discontinued", false)
                .put("note", null)
                .build();
    }

    private static ChangeEvent snapshot(long lsn, Row row) {
        return event(Operation.SNAPSHOT, lsn, key(row.get("id")), null, row);
    }

    private static ChangeEvent insert(long lsn, Row row) {
        return event(Operation.INSERT, lsn, key(row.get("id")), null, row);
    }

    private static ChangeEvent update(long lsn, Row row) {
        return event(Operation.UPDATE, lsn, key(row.get("id")), null, row);
    }

    private static ChangeEvent delete(long lsn, long id) {
        return event(Operation.DELETE, lsn, key(id), Row.builder().put("id", id).build(), null);
    }

    private static ChangeEvent truncate(long lsn) {
        return event(Operation.TRUNCATE, lsn, null, null, null);
    }

    private static RowKey key(Object id) {
        return new RowKey(List.of("id"), List.of(id));
    }

    private static ChangeEvent event(Operation op, long lsn, RowKey key, Row before, Row after) {
        return new ChangeEvent(
                PRODUCTS,
                op,
                key,
                before,
                after,
                new SourcePosition(
                        new Lsn(lsn),
                        1000 + lsn,
                        Instant.parse("2026-01-01T00:00:00Z").plusSeconds(lsn),
                        SEQUENCE.incrementAndGet()));
    }
}
