package io.cdcfanout.sink.cache;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.KeyShape;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The cache against the sink contract, without a database: its start-up load finds the rows a test gives it
 * (none unless the test takes a snapshot), at a source snapshot that precedes every transaction the tests
 * stream (so none of their changes is skipped as already loaded).
 */
class CaffeineCacheSinkContractTest extends SinkContractTest {

    /** Rows the start-up load finds; read when no transaction the tests stream had begun (they are 1000 + LSN). */
    private final List<ChangeEvent> tableAtLoad = new ArrayList<>();

    private final InitialLoad load = (tables, into) -> {
        for (TableId table : tables) {
            into.keyShape(table, new KeyShape(List.of(KEY_COLUMN), List.of("int8")));
            tableAtLoad.stream().filter(e -> e.table().equals(table)).forEach(e -> into.row(table, e.key(), e.after()));
        }
        return new SnapshotVisibility(1000, 1000, Set.of());
    };

    /** The cache's snapshot is its own start-up load, not the engine's snapshot events: start it over those rows. */
    @Override
    protected void takeSnapshot(ChangeEvent... snapshotRows) throws Exception {
        tableAtLoad.addAll(List.of(snapshotRows));
        sink().start();
    }

    @Test
    void theEnginesSnapshotRowsAreIgnoredBecauseTheStartUpLoadIsTheSnapshot() throws Exception {
        applyWithoutRejections(
                changes.snapshot(1).set("name", "apple").set("body", "a").read());

        assertAbsent(1);
    }

    @Override
    protected Sink newSink() {
        CaffeineSinkConfig config = new CaffeineSinkConfig(null, null, List.of(TABLE));
        return new CaffeineCacheSink(
                "cache", config, new SinkContext(null, new SimpleMeterRegistry(), Clock.systemUTC()), load);
    }

    @Override
    protected Optional<JsonNode> readLive(TableId table, RowKey key) {
        return ((LatestRowReader) sink())
                .get(table, key.asText())
                .map(LatestRow::row)
                .map(RowJson::toJson);
    }
}
