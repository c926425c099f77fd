package io.cdcfanout.service.pipeline;

import static io.cdcfanout.service.pipeline.TestChanges.noChangesAt;
import static io.cdcfanout.service.pipeline.TestChanges.unusedDeadLetters;
import static org.assertj.core.api.Assertions.assertThat;

import io.cdcfanout.schema.Lsn;
import io.cdcfanout.sink.ApplyResult;
import io.cdcfanout.sink.Sink;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A backlog batch in flight overlaps the next one's decoding, and is acknowledged only once every lane applied it. */
class PipelineAcknowledgementTest {

    private final Semaphore applies = new Semaphore(0);
    private final Semaphore applying = new Semaphore(0);
    private final List<Object> acknowledged = new CopyOnWriteArrayList<>();

    private final Sink gatedSink = new ApplyingSink(batch -> {
        applying.release();
        try {
            applies.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("closed while applying", e);
        }
        return ApplyResult.allApplied();
    });

    private BatchAcknowledgement acknowledgementOf(long lsn) {
        return () -> acknowledged.add(lsn);
    }

    private Pipeline pipeline(SinkLane lane, int backlogBatchSize) {
        return new Pipeline(List.of(lane), unusedDeadLetters(), new SimpleMeterRegistry(), backlogBatchSize);
    }

    private SinkLane gatedLane() {
        return new SinkLane("gated", "test", gatedSink, Set.of(), Clock.systemUTC(), new SimpleMeterRegistry());
    }

    @Test
    void aSmallBatchIsAcknowledgedBeforeAcceptReturns() throws Exception {
        SinkLane lane = gatedLane();
        try (Pipeline pipeline = pipeline(lane, 2)) {
            lane.start();
            applies.release();
            pipeline.accept(noChangesAt(100, 1), acknowledgementOf(100));
            assertThat(acknowledged).containsExactly(100L);
            assertThat(pipeline.receivedLsn()).isEqualTo(new Lsn(100));
        }
    }

    @Test
    void aBatchWithoutPositionsKeepsTheReceivedPosition() throws Exception {
        SinkLane lane = gatedLane();
        try (Pipeline pipeline = pipeline(lane, 2)) {
            lane.start();
            applies.release(2);
            pipeline.accept(noChangesAt(100, 1), acknowledgementOf(100));
            pipeline.accept(new DecodedBatch(List.of(), Lsn.ZERO, List.of(), 1), acknowledgementOf(0));
            assertThat(pipeline.receivedLsn()).isEqualTo(new Lsn(100));
            assertThat(lane.status().lastAppliedLsn()).isEqualTo(new Lsn(100));
        }
    }

    @Test
    void aBacklogBatchIsAcknowledgedAfterItsLanesAppliedItAndBeforeTheNextIsHandedToThem() throws Exception {
        SinkLane lane = gatedLane();
        try (Pipeline pipeline = pipeline(lane, 1)) {
            lane.start();

            pipeline.accept(noChangesAt(100, 1), acknowledgementOf(100)); // returns while the lane still applies it
            applying.acquire();
            assertThat(acknowledged).isEmpty();

            CompletableFuture<Void> second = CompletableFuture.runAsync(() -> {
                try {
                    pipeline.accept(noChangesAt(200, 1), acknowledgementOf(200));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(applying.tryAcquire(300, TimeUnit.MILLISECONDS))
                    .as("batch 200 is not handed over while 100 is in flight")
                    .isFalse();
            assertThat(second).as("the next batch waits for the one in flight").isNotDone();
            assertThat(acknowledged).isEmpty();

            applies.release(); // the lane applies batch 100
            second.get(5, TimeUnit.SECONDS);
            assertThat(acknowledged).containsExactly(100L);

            applies.release(); // and batch 200
            pipeline.finishInFlight();
            assertThat(acknowledged).containsExactly(100L, 200L);

            applies.release(); // from now on a batch is acknowledged before accept returns
            pipeline.accept(noChangesAt(300, 1), acknowledgementOf(300));
            assertThat(acknowledged).containsExactly(100L, 200L, 300L);
        }
    }
}
