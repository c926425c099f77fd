package io.cdcfanout.sink.cache;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdcfanout.schema.RowJson;
import io.cdcfanout.schema.RowKey;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.LatestRow;
import io.cdcfanout.sink.LatestRowReader;
import io.cdcfanout.sink.Sink;
import io.cdcfanout.sink.SinkContext;
import io.cdcfanout.sink.testkit.SinkContractTest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/**
 * The cache against the sink contract, without a database: its start-up load finds the table empty, at a
 * source snapshot that precedes every transaction the tests stream (so none of their changes is skipped as
 * already loaded).
 */
class CaffeineCacheSinkContractTest extends SinkContractTest {

    /** An empty table, read when no transaction the tests stream had begun (they are 1000 + LSN). */
    private static final InitialLoad EMPTY_TABLE = (tables, into) -> {
        tables.forEach(table -> into.keyColumns(table, List.of(KEY_COLUMN)));
        return new SnapshotVisibility(1000, 1000, Set.of());
    };

    @Override
    @Test
    @Disabled("by design the cache ignores the engine's snapshot rows: it loads its tables itself at start "
            + "(README, cache sink, 'Start-up load'); storing a snapshot row older than that load could bring back "
            + "a row deleted in between, whose delete the load's snapshot already saw and the cache skips. "
            + "See snapshotRowsAreIgnoredBecauseTheStartUpLoadReplacesThem")
    public void snapshotRowsAreStored() {
    }

    @Test
    void snapshotRowsAreIgnoredBecauseTheStartUpLoadReplacesThem() throws Exception {
        applyWithoutRejections(changes.snapshot(1).set("name", "apple").set("body", "a").read());

        assertAbsent(1);
    }

    @Override
    protected Sink newSink() {
        CaffeineSinkConfig config = new CaffeineSinkConfig(null, null, List.of(TABLE));
        return new CaffeineCacheSink("cache", config, new SinkContext(null, new SimpleMeterRegistry(), Clock.systemUTC()), EMPTY_TABLE);
    }

    @Override
    protected Optional<JsonNode> readLive(TableId table, RowKey key) {
        return ((LatestRowReader) sink()).get(table, key.asText()).map(LatestRow::row).map(RowJson::toJson);
    }
}
