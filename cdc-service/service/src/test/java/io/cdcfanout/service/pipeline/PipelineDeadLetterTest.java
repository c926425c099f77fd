package io.cdcfanout.service.pipeline;

import static io.cdcfanout.service.pipeline.TestChanges.PRODUCTS;
import static io.cdcfanout.service.pipeline.TestChanges.insert;
import static org.assertj.core.api.Assertions.assertThat;

import io.cdcfanout.schema.Lsn;
import io.cdcfanout.sink.ApplyResult;
import io.cdcfanout.sink.Rejection;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Rejected and undecodable changes are stored before the batch is acknowledged, and counted once stored. */
class PipelineDeadLetterTest {

    private final MeterRegistry meters = new SimpleMeterRegistry();
    private final List<Object> events = new CopyOnWriteArrayList<>();
    private int failuresLeft;

    private final DeadLetters store = new DeadLetters() {
        @Override
        public void write(List<DeadLetter> letters) throws SQLException {
            if (failuresLeft > 0) {
                failuresLeft--;
                events.add("write failed");
                throw new SQLException("connection lost", "08006");
            }
            letters.forEach(l -> events.add("stored " + l.sink() + " " + l.table()));
        }

        @Override
        public void close() {}
    };

    private double rejections(String sink, String table) {
        var counter = meters.find("cdc.sink.rejections")
                .tag("sink", sink)
                .tag("table", table)
                .counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void rejectionsAndUndecodableRecordsAreStoredThenCountedThenAcknowledged() throws Exception {
        SinkLane lane = new SinkLane(
                "search",
                "test",
                new ApplyingSink(batch ->
                        ApplyResult.of(List.of(new Rejection(batch.events().get(0), "mapping conflict")))),
                Set.of(PRODUCTS),
                Clock.systemUTC(),
                meters);
        DeadLetter undecodable =
                DeadLetter.undecodable("public.orders", "Struct{id=1}", new Lsn(90), 7, "cannot decode", "Struct{...}");
        failuresLeft = 1;
        try (Pipeline pipeline = new Pipeline(List.of(lane), store, meters, 100)) {
            lane.start();
            pipeline.accept(
                    new DecodedBatch(List.of(insert(1, 100, Instant.EPOCH)), new Lsn(100), List.of(undecodable), 2),
                    () -> events.add("acknowledged"));
        }

        assertThat(events)
                .containsExactly(
                        "write failed",
                        "stored (converter) public.orders",
                        "stored search public.products",
                        "acknowledged");
        assertThat(rejections("search", "public.products"))
                .as("counted once, although the first write failed")
                .isEqualTo(1);
        assertThat(rejections(DeadLetter.UNDECODABLE, "public.orders")).isEqualTo(1);
        assertThat(lane.status().rejected()).isEqualTo(1);
    }
}
