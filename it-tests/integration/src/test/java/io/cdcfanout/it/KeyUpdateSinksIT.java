package io.cdcfanout.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdcfanout.it.harness.Backends;
import io.cdcfanout.it.harness.BackendsExtension;
import io.cdcfanout.it.harness.ElasticsearchBackend;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.it.search.FailingBulkProxy;
import io.cdcfanout.it.support.EsDocs;
import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.Operation;
import io.cdcfanout.schema.Row;
import io.cdcfanout.schema.RowKey;
import io.cdcfanout.schema.SourcePosition;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.ApplyResult;
import io.cdcfanout.sink.ChangeBatch;
import io.cdcfanout.sink.HistoryReader;
import io.cdcfanout.sink.HistoryVersion;
import io.cdcfanout.sink.RetryableSinkException;
import io.cdcfanout.sink.Secret;
import io.cdcfanout.sink.Sink;
import io.cdcfanout.sink.SinkContext;
import io.cdcfanout.sink.SinkRegistry;
import io.cdcfanout.sink.SourceDatabase;
import io.cdcfanout.sink.history.Scd2SinkConfig;
import io.cdcfanout.sink.history.Scd2SinkConfig.TableMapping;
import io.cdcfanout.sink.search.ElasticsearchSinkConfig;
import io.cdcfanout.sink.search.ElasticsearchSinkConfig.BulkOptions;
import io.cdcfanout.sink.search.ElasticsearchSinkConfig.Refresh;
import io.cdcfanout.sink.search.ElasticsearchSinkConfig.TableOptions;
import io.cdcfanout.sink.search.ElasticsearchSinkFactory;
import io.cdcfanout.sink.testkit.ChangeEvents;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Elasticsearch sink against a real node, and the history sink against a real Postgres, with the two changes
 * of a primary-key update built by hand, so the cases the engine's batching decides can be forced: the DELETE of
 * the old key in an earlier batch than the INSERT of the new one, and replays of both (whole batches, also after
 * the old key was written again).
 */
@ExtendWith(BackendsExtension.class)
class KeyUpdateSinksIT {

    private static final TableId DOCS = TableId.parse("public.docs");
    private static final ChangeEvents MOVES = new ChangeEvents(DOCS, "id");

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private EsDocs es;
    private String index;
    private Sink sink;

    @BeforeEach
    void setUp(ElasticsearchBackend backend) throws Exception {
        es = new EsDocs(backend.url());
        index = Backends.uniqueName("keymove");
        sink = searchSink(backend.url(), null);
        sink.start();
    }

    private Sink searchSink(String url, BulkOptions bulk) {
        return new ElasticsearchSinkFactory()
                .create(
                        "search",
                        new ElasticsearchSinkConfig(
                                List.of(url),
                                null,
                                null,
                                null,
                                null,
                                Map.of(DOCS, new TableOptions(index, null, null, null, null)),
                                Refresh.WAIT_FOR,
                                bulk,
                                null),
                        new SinkContext(null, meters, Clock.systemUTC()));
    }

    @AfterEach
    void tearDown() {
        sink.close();
        es.deleteIndex(index + "_v1");
        es.send("DELETE", "/cdc-fanout-meta/_doc/" + index + "_v1", null);
    }

    @Test
    void theNewKeyFindsTheBodyWhenTheOldKeysDeleteWasAppliedInAnEarlierBatch() throws Exception {
        apply(insert(100, 1, "long body"));
        List<ChangeEvent> move = move(200, 1, 10);

        assertThat(apply(move.get(0)).rejections()).isEmpty();
        assertThat(es.live(index)).doesNotContainKey("1");
        assertThat(apply(move.get(1)).rejections()).isEmpty();

        assertThat(es.live(index).get("10").path("body").asText()).isEqualTo("long body");
    }

    @Test
    void replaysOfAKeyUpdateChangeNothingAlsoAfterTheOldKeyWasWrittenAgain() throws Exception {
        apply(insert(100, 1, "long body"));
        ChangeEvent[] move = move(200, 1, 10).toArray(ChangeEvent[]::new);
        apply(move);
        ChangeEvent reinsert = insert(300, 1, "another body");
        apply(reinsert);

        assertThat(apply(move).rejections()).isEmpty(); // replayed after key 1 holds another row
        assertThat(apply(move[1]).rejections()).isEmpty();
        assertThat(apply(reinsert).rejections()).isEmpty();

        Map<String, JsonNode> live = es.live(index);
        assertThat(live.keySet()).containsExactlyInAnyOrder("1", "10");
        assertThat(live.get("10").path("body").asText()).isEqualTo("long body");
        assertThat(live.get("1").path("body").asText()).isEqualTo("another body");
        assertThat(es.send("GET", "/" + index + "/_doc/10", null)
                        .path("_version")
                        .asLong())
                .isEqualTo(200);
    }

    @Test
    void aSwapThroughATemporaryKeyInOneBatchSwapsTheBodies() throws Exception {
        apply(insert(100, 4, "body of four"), insert(101, 5, "body of five"));
        List<ChangeEvent> swap = new ArrayList<>(move(200, 4, -1));
        swap.addAll(move(201, 5, 4));
        swap.addAll(move(202, -1, 5));

        assertThat(apply(swap.toArray(ChangeEvent[]::new)).rejections()).isEmpty();
        assertThat(apply(swap.toArray(ChangeEvent[]::new)).rejections())
                .as("replay")
                .isEmpty();

        Map<String, JsonNode> live = es.live(index);
        assertThat(live.keySet()).containsExactlyInAnyOrder("4", "5");
        assertThat(live.get("4").path("body").asText()).isEqualTo("body of five");
        assertThat(live.get("5").path("body").asText()).isEqualTo("body of four");
    }

    /**
     * The dangerous interleaving on purpose: a swap through a temporary key, written one document per bulk
     * request, with Elasticsearch refusing every request after the first. Key 4's new document (row 5's body)
     * is then written, while key 5's is not; key 5's body must come from key 4 as it was before the batch,
     * which the replay can no longer read from the index.
     */
    @Test
    void aSwapThatFailedHalfwayIsCompletedByTheReplayWithTheBodiesItComputedFirst(ElasticsearchBackend backend)
            throws Exception {
        apply(insert(100, 4, "body of four"), insert(101, 5, "body of five"));
        List<ChangeEvent> swap = new ArrayList<>(move(200, 4, -1));
        swap.addAll(move(201, 5, 4));
        swap.addAll(move(202, -1, 5));
        try (FailingBulkProxy proxy = new FailingBulkProxy(backend.url(), index)) {
            Sink oneDocumentPerRequest = searchSink(proxy.url(), new BulkOptions(1, null, 1));
            try {
                oneDocumentPerRequest.start();
                proxy.failAfter(1);
                ChangeBatch batch =
                        new ChangeBatch(swap, swap.get(swap.size() - 1).lsn());
                assertThatThrownBy(() -> oneDocumentPerRequest.apply(batch)).isInstanceOf(RetryableSinkException.class);
                assertThat(proxy.refused()).isPositive();
                Map<String, JsonNode> halfway = es.live(index);
                assertThat(halfway.get("4").path("body").asText())
                        .as("the first request wrote key 4's new document")
                        .isEqualTo("body of five");
                assertThat(halfway.get("5").path("body").asText())
                        .as("key 5 still shows its old row")
                        .isEqualTo("body of five");

                proxy.heal();
                assertThat(oneDocumentPerRequest.apply(batch).rejections())
                        .as("the replay")
                        .isEmpty();
            } finally {
                oneDocumentPerRequest.close();
            }
        }

        Map<String, JsonNode> live = es.live(index);
        assertThat(live.keySet()).containsExactlyInAnyOrder("4", "5");
        assertThat(live.get("4").path("body").asText()).isEqualTo("body of five");
        assertThat(live.get("5").path("body").asText()).isEqualTo("body of four");
        es.send("POST", "/cdc-fanout-meta/_refresh", null);
        assertThat(es.send("GET", "/cdc-fanout-meta/_search?q=index:" + index, null)
                        .path("hits")
                        .path("total")
                        .path("value")
                        .asLong())
                .as("the stashed documents are removed once the batch is written")
                .isZero();
    }

    @Test
    void withoutAnyDocumentOfTheOldKeyTheNewKeyIsDeadLetteredNotIndexedIncomplete() throws Exception {
        ApplyResult result = apply(move(200, 1, 10).toArray(ChangeEvent[]::new)); // key 1 was never indexed

        assertThat(result.rejections()).hasSize(1);
        assertThat(result.rejections().get(0).reason()).contains("update of the primary key");
        assertThat(es.live(index)).isEmpty();
    }

    @Test
    void theHistoryOfTheNewKeyStartsWithTheBodyAlsoWhenTheDeleteCameInAnEarlierBatch(TestDatabase db) throws Exception {
        db.execute("CREATE TABLE docs (id bigint PRIMARY KEY, title text, body text)");
        SourceDatabase source = new SourceDatabase(
                db.jdbcUrl(), db.server().superuser(), Secret.of(db.server().password()), null);
        Sink history = SinkRegistry.load()
                .create(
                        "scd2",
                        "history",
                        new Scd2SinkConfig(
                                null, null, null, Map.of(DOCS, new TableMapping(TableId.parse("history.docs")))),
                        new SinkContext(source, meters, Clock.systemUTC()));
        try {
            history.start();
            apply(history, insert(100, 1, "long body"));
            List<ChangeEvent> move = move(200, 1, 10);
            apply(history, move.get(0));
            apply(history, move.get(1));
            apply(history, move.toArray(ChangeEvent[]::new)); // replay
            apply(history, move.get(1));

            List<HistoryVersion> versions = ((HistoryReader) history).versions(DOCS, Map.of("id", "10"));
            assertThat(versions).hasSize(1);
            assertThat(versions.get(0).data().path("body").asText()).isEqualTo("long body");
            assertThat(versions.get(0).data().path("title").asText()).isEqualTo("moved");
            List<HistoryVersion> old = ((HistoryReader) history).versions(DOCS, Map.of("id", "1"));
            assertThat(old).extracting(HistoryVersion::deleted).containsExactly(false, true);
        } finally {
            history.close();
        }
    }

    private static void apply(Sink target, ChangeEvent... events) throws Exception {
        assertThat(target.apply(new ChangeBatch(List.of(events), events[events.length - 1].lsn()))
                        .rejections())
                .isEmpty();
    }

    private ApplyResult apply(ChangeEvent... events) throws Exception {
        return sink.apply(new ChangeBatch(List.of(events), events[events.length - 1].lsn()));
    }

    private static RowKey key(int id) {
        return new RowKey(List.of("id"), List.of((long) id));
    }

    private static ChangeEvent insert(long lsn, int id, String body) {
        Row after = Row.builder()
                .put("id", (long) id)
                .put("title", "t" + id)
                .put("body", body)
                .build();
        return new ChangeEvent(DOCS, Operation.INSERT, key(id), null, after, at(lsn));
    }

    /** The two changes Debezium sends for {@code UPDATE docs SET id = to WHERE id = from} with body unchanged. */
    private static List<ChangeEvent> move(long lsn, int from, int to) {
        return MOVES.move(from, to).set("title", "moved").unchangedToast("body").at(lsn);
    }

    private static SourcePosition at(long lsn) {
        return new SourcePosition(new Lsn(lsn), lsn, Instant.parse("2024-01-01T00:00:00Z"), 1);
    }
}
