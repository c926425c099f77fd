package io.cdcfanout.sink.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.Row;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.SinkContext;
import io.cdcfanout.sink.jdbc.ChunkedTableReader.ChunkRow;
import io.cdcfanout.sink.testkit.ChangeEvents;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A rebuild's shadow against the changes that reach it while the chunks are read: each test builds one
 * interleaving of chunk rows and streamed changes and checks the row readers see after the swap.
 */
class CacheRebuildTest {

    private static final TableId ITEMS = TableId.parse("public.items");
    private static final ChangeEvents CHANGES = new ChangeEvents(ITEMS, "id");

    private final CaffeineCacheSink cache = new CaffeineCacheSink(
            "cache",
            new CaffeineSinkConfig(1000L, null, List.of(ITEMS)),
            new SinkContext(null, new SimpleMeterRegistry(), Clock.systemUTC()));

    @Test
    void readsSeeTheOldTableUntilTheSwapAndTheRebuiltOneAfter() throws Exception {
        apply(CHANGES.insert(1).set("name", "stale").at(100));
        cache.beginRebuild(ITEMS);
        assertThat(cache.backfill(ITEMS, List.of(chunkRow(1, "fresh"), chunkRow(2, "missing before")), false))
                .as("the cache refuses no row")
                .isEmpty();

        assertThat(name(1)).contains("stale");
        assertThat(name(2)).isEmpty();

        cache.finishRebuild(ITEMS);
        assertThat(name(1)).contains("fresh");
        assertThat(name(2)).contains("missing before");
    }

    @Test
    void aChangeCommittedAfterTheChunkWasReadWinsWhateverItsLsn() throws Exception {
        cache.beginRebuild(ITEMS);
        // the transaction wrote the row (low LSN) before the chunk read it, and committed after
        cache.backfill(ITEMS, List.of(chunkRow(1, "as the chunk read it")), false);
        apply(CHANGES.update(1).set("name", "committed later").at(5));
        cache.finishRebuild(ITEMS);

        assertThat(name(1)).contains("committed later");
    }

    @Test
    void aChunkRowNeverOverwritesAStreamedChange() throws Exception {
        cache.beginRebuild(ITEMS);
        apply(CHANGES.update(1).set("name", "streamed").at(200));
        cache.backfill(ITEMS, List.of(chunkRow(1, "older chunk")), false);
        cache.finishRebuild(ITEMS);

        assertThat(name(1)).contains("streamed");
    }

    @Test
    void aRowDeletedBeforeItsChunkArrivesStaysDeleted() throws Exception {
        apply(CHANGES.insert(1).set("name", "a").at(100));
        cache.beginRebuild(ITEMS);
        apply(CHANGES.delete(1).at(200));
        cache.backfill(ITEMS, List.of(chunkRow(1, "read before the delete committed")), false);
        cache.finishRebuild(ITEMS);

        assertThat(name(1)).isEmpty();
    }

    @Test
    void anUpdateWithoutItsToastColumnIsCompletedByTheChunkRow() throws Exception {
        cache.beginRebuild(ITEMS);
        apply(CHANGES.update(1).set("name", "renamed").unchangedToast("body").at(300));
        cache.backfill(
                ITEMS,
                List.of(new ChunkRow(
                        CHANGES.key(1L), Row.of(Map.of("id", 1L, "name", "old name", "body", "long body")))),
                false);
        cache.finishRebuild(ITEMS);

        Row row = cache.get(ITEMS, "1").orElseThrow().row();
        assertThat(row.get("name")).isEqualTo("renamed");
        assertThat(row.get("body")).isEqualTo("long body");
    }

    @Test
    void aTruncateBeforeTheRebuildDoesNotHideTheChunkRows() throws Exception {
        apply(CHANGES.insert(1).set("name", "gone").at(100), CHANGES.truncate(150));
        apply(CHANGES.insert(2).set("name", "after the truncate").at(160));
        cache.beginRebuild(ITEMS);
        cache.backfill(ITEMS, List.of(chunkRow(2, "after the truncate"), chunkRow(3, "also after")), false);
        cache.finishRebuild(ITEMS);

        assertThat(name(3)).contains("also after");
    }

    @Test
    void aTruncateDuringTheRebuildDropsChunksReadBeforeIt() throws Exception {
        cache.beginRebuild(ITEMS);
        apply(CHANGES.truncate(400));
        cache.backfill(ITEMS, List.of(chunkRow(1, "read before the truncate")), false);
        apply(CHANGES.insert(2).set("name", "after").at(410));
        cache.finishRebuild(ITEMS);

        assertThat(name(1)).isEmpty();
        assertThat(name(2)).contains("after");
    }

    @Test
    void aCancelledRebuildLeavesTheLiveTableAsItWas() throws Exception {
        apply(CHANGES.insert(1).set("name", "live").at(100));
        cache.beginRebuild(ITEMS);
        cache.backfill(ITEMS, List.of(chunkRow(1, "shadow")), false);
        cache.cancelRebuild(ITEMS);
        apply(CHANGES.update(1).set("name", "still streamed").at(200));

        assertThat(name(1)).contains("still streamed");
        cache.beginRebuild(ITEMS); // and a later rebuild starts from an empty shadow
        cache.finishRebuild(ITEMS);
        assertThat(name(1)).isEmpty();
    }

    private Optional<Object> name(int id) {
        return cache.get(ITEMS, String.valueOf(id)).map(r -> r.row().get("name"));
    }

    private void apply(ChangeEvent... events) throws Exception {
        cache.apply(ChangeEvents.batch(events));
    }

    private static ChunkRow chunkRow(long id, String name) {
        return new ChunkRow(CHANGES.key(id), Row.of(Map.of("id", id, "name", name)));
    }
}
