package io.cdcfanout.sink.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.Operation;
import io.cdcfanout.schema.Row;
import io.cdcfanout.schema.RowKey;
import io.cdcfanout.schema.SourcePosition;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.ChangeBatch;
import io.cdcfanout.sink.SinkContext;
import io.cdcfanout.sink.testkit.ChangeEvents;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** An update of the primary key (DELETE old key + INSERT new key) keeps the unchanged TOASTed column in the cache. */
class KeyUpdateCacheTest {

    private static final TableId DOCS = TableId.parse("public.docs");
    private static final ChangeEvents MOVES = new ChangeEvents(DOCS, "id");

    private final CaffeineCacheSink cache = new CaffeineCacheSink(
            "cache",
            new CaffeineSinkConfig(1000L, null, List.of(DOCS)),
            new SinkContext(null, new SimpleMeterRegistry(), Clock.systemUTC()));

    @Test
    void theNewKeyTakesTheUnchangedColumnFromTheOldKeysEntryInTheSameBatch() throws Exception {
        apply(insert(100, 1, "title", "long body"));
        apply(move(200, 1, 10).toArray(ChangeEvent[]::new));

        assertThat(body(10)).contains("long body");
        assertThat(cache.get(DOCS, "1")).isEmpty();
    }

    @Test
    void theNewKeyTakesTheUnchangedColumnWhenTheDeleteCameInTheBatchBefore() throws Exception {
        apply(insert(100, 1, "title", "long body"));
        List<ChangeEvent> move = move(200, 1, 10);
        apply(move.get(0));
        assertThat(cache.get(DOCS, "1")).isEmpty();
        apply(move.get(1));

        assertThat(body(10)).contains("long body");
    }

    @Test
    void aSwapThroughATemporaryKeyInOneTransactionKeepsBothBodies() throws Exception {
        apply(insert(100, 4, "four", "body of four"), insert(101, 5, "five", "body of five"));
        List<ChangeEvent> swap = new ArrayList<>(move(200, 4, -1));
        swap.addAll(move(201, 5, 4));
        swap.addAll(move(202, -1, 5));
        apply(swap.toArray(ChangeEvent[]::new));

        assertThat(body(4)).contains("body of five");
        assertThat(body(5)).contains("body of four");
        assertThat(cache.get(DOCS, "-1")).isEmpty();
    }

    @Test
    void aReplayedKeyUpdateChangesNothing() throws Exception {
        apply(insert(100, 1, "title", "long body"));
        List<ChangeEvent> move = move(200, 1, 10);
        apply(move.toArray(ChangeEvent[]::new));
        apply(move.toArray(ChangeEvent[]::new));

        assertThat(body(10)).contains("long body");
        assertThat(cache.get(DOCS, "10").orElseThrow().lsn()).isEqualTo(new Lsn(200));
    }

    @Test
    void withoutTheOldEntryTheNewKeyIsNotCachedIncomplete() throws Exception {
        apply(move(200, 1, 10).toArray(ChangeEvent[]::new)); // key 1 was never cached (evicted, say)

        assertThat(cache.get(DOCS, "10")).isEmpty();
    }

    private Optional<Object> body(int id) {
        return cache.get(DOCS, String.valueOf(id)).map(r -> r.row().get("body"));
    }

    private void apply(ChangeEvent... events) throws Exception {
        cache.apply(new ChangeBatch(List.of(events), events[events.length - 1].lsn()));
    }

    private static RowKey key(int id) {
        return new RowKey(List.of("id"), List.of((long) id));
    }

    private static ChangeEvent insert(long lsn, int id, String title, String body) {
        Row after = Row.of(Map.of("id", (long) id, "title", title, "body", body));
        return new ChangeEvent(DOCS, Operation.INSERT, key(id), null, after, at(lsn));
    }

    /** The two changes Debezium sends for {@code UPDATE docs SET id = to WHERE id = from} with body unchanged. */
    private static List<ChangeEvent> move(long lsn, int from, int to) {
        return MOVES.move(from, to).set("title", "t").unchangedToast("body").at(lsn);
    }

    private static SourcePosition at(long lsn) {
        return new SourcePosition(
                new Lsn(lsn), lsn, Instant.parse("2024-01-01T00:00:00Z").plusSeconds(lsn), 1);
    }
}
