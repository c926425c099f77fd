package io.cdcfanout.service.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcfanout.service.privacy.ColumnPolicy;
import io.cdcfanout.sink.ApplyResult;
import io.cdcfanout.sink.Sink;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

/** A backlog batch in flight overlaps the next one's decoding, and is acknowledged only once every lane applied it. */
class PipelineAcknowledgementTest {

    private final Semaphore applies = new Semaphore(0);
    private final List<Object> acknowledged = new CopyOnWriteArrayList<>();

    private final Sink gatedSink = new ApplyingSink(batch -> {
        try {
            applies.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("closed while applying", e);
        }
        return ApplyResult.allApplied();
    });

    private final DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer = new DebeziumEngine.RecordCommitter<>() {
        @Override
        public void markProcessed(RecordChangeEvent<SourceRecord> record) {
            throw new AssertionError("the pipeline marks records with their boundary offsets");
        }

        @Override
        public void markProcessed(RecordChangeEvent<SourceRecord> record, DebeziumEngine.Offsets offsets) {
            acknowledged.add(((RecordedOffsets) offsets).values.get("lsn"));
        }

        @Override
        public void markBatchFinished() {
            acknowledged.add("batch finished");
        }

        @Override
        public DebeziumEngine.Offsets buildOffsets() {
            return new RecordedOffsets();
        }
    };

    private static final class RecordedOffsets implements DebeziumEngine.Offsets {
        final Map<String, Object> values = new HashMap<>();

        @Override
        public void set(String key, Object value) {
            values.put(key, value);
        }
    }

    private static List<RecordChangeEvent<SourceRecord>> batchAt(long lsn) {
        SourceRecord heartbeat = new SourceRecord(Map.of("server", "test"), Map.of("lsn", lsn), "heartbeat", null, null);
        RecordChangeEvent<SourceRecord> event = () -> heartbeat;
        return List.of(event);
    }

    @Test
    void aSmallBatchIsAcknowledgedBeforeHandleBatchReturns() throws Exception {
        SinkLane lane = new SinkLane("gated", "test", gatedSink, Set.of(), Clock.systemUTC(), new SimpleMeterRegistry());
        try (Pipeline pipeline = new Pipeline(List.of(lane), new DeadLetterStore(null, "unused"), ColumnPolicy.none(), new SimpleMeterRegistry(), 2)) {
            lane.start();
            applies.release();
            pipeline.handleBatch(batchAt(100), committer);
            assertThat(acknowledged).containsExactly(100L, "batch finished");
        }
    }

    @Test
    void aBacklogBatchIsAcknowledgedAfterItsLanesAppliedItAndBeforeTheNextIsHandedToThem() throws Exception {
        SinkLane lane = new SinkLane("gated", "test", gatedSink, Set.of(), Clock.systemUTC(), new SimpleMeterRegistry());
        try (Pipeline pipeline = new Pipeline(List.of(lane), new DeadLetterStore(null, "unused"), ColumnPolicy.none(), new SimpleMeterRegistry(), 1)) {
            lane.start();

            pipeline.handleBatch(batchAt(100), committer); // returns while the lane still applies it
            assertThat(acknowledged).isEmpty();

            CompletableFuture<Void> second = CompletableFuture.runAsync(() -> {
                try {
                    pipeline.handleBatch(batchAt(200), committer);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(300);
            assertThat(second).as("the next batch waits for the one in flight").isNotDone();
            assertThat(acknowledged).isEmpty();

            applies.release(); // the lane applies batch 100
            second.get(5, TimeUnit.SECONDS);
            assertThat(acknowledged).containsExactly(100L, "batch finished");

            applies.release(); // and batch 200
            pipeline.finishInFlight();
            assertThat(acknowledged).containsExactly(100L, "batch finished", 200L, "batch finished");

            applies.release(); // from now on a batch is acknowledged before handleBatch returns
            pipeline.handleBatch(batchAt(300), committer);
            assertThat(acknowledged).containsExactly(100L, "batch finished", 200L, "batch finished", 300L, "batch finished");
        }
    }
}
