package io.cdcfanout.service.pipeline;

import static io.cdcfanout.service.pipeline.TestChanges.PRODUCTS;
import static io.cdcfanout.service.pipeline.TestChanges.insert;
import static org.assertj.core.api.Assertions.assertThat;

import io.cdcfanout.schema.Lsn;
import io.cdcfanout.sink.ApplyResult;
import io.cdcfanout.sink.Sink;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code lag_ms}: 0 when nothing is pending, else the age of the oldest change handed over and not yet applied. */
class SinkLaneLagTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    /** A clock the test moves by hand. */
    private static final class ManualClock extends Clock {
        private volatile Instant now = T0;

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private final ManualClock clock = new ManualClock();
    private final Semaphore applies = new Semaphore(0);
    private final Sink gatedSink = new ApplyingSink(batch -> {
        try {
            applies.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return ApplyResult.allApplied();
    });

    @Test
    void lagIsZeroWhenEverythingHandedOverIsAppliedHoweverOldTheLastCommit() throws Exception {
        try (SinkLane lane =
                new SinkLane("cache", "caffeine", gatedSink, Set.of(PRODUCTS), clock, new SimpleMeterRegistry())) {
            lane.start();
            assertThat(lane.status().lagMillis()).as("nothing handed over yet").isZero();

            applies.release();
            lane.submit(List.of(insert(1, 100, T0)), new Lsn(100)).get(5, TimeUnit.SECONDS);
            clock.advance(Duration.ofMinutes(5)); // idle for a while after applying it

            assertThat(lane.status().lagMillis()).isZero();
            assertThat(lane.status().lastCommitTime()).isEqualTo(T0);
        }
    }

    @Test
    void lagIsTheAgeOfTheOldestChangeNotYetApplied() throws Exception {
        try (SinkLane lane =
                new SinkLane("cache", "caffeine", gatedSink, Set.of(PRODUCTS), clock, new SimpleMeterRegistry())) {
            lane.start();
            CompletableFuture<ApplyResult> first =
                    lane.submit(List.of(insert(1, 100, T0), insert(2, 110, T0.plusSeconds(1))), new Lsn(110));
            CompletableFuture<ApplyResult> second =
                    lane.submit(List.of(insert(3, 200, T0.plusSeconds(3))), new Lsn(200));
            clock.advance(Duration.ofSeconds(4));
            assertThat(lane.status().lagMillis())
                    .as("the first batch's oldest change committed 4 s ago")
                    .isEqualTo(4_000);

            applies.release();
            first.get(5, TimeUnit.SECONDS);
            assertThat(lane.status().lagMillis())
                    .as("the second batch's change committed 1 s ago")
                    .isEqualTo(1_000);

            applies.release();
            second.get(5, TimeUnit.SECONDS);
            assertThat(lane.status().lagMillis()).isZero();
        }
    }

    @Test
    void changesOfOtherTablesAreNotPendingForThisSink() throws Exception {
        try (SinkLane lane = new SinkLane("cache", "caffeine", gatedSink, Set.of(), clock, new SimpleMeterRegistry())) {
            lane.start();
            CompletableFuture<ApplyResult> held = lane.submit(List.of(insert(1, 100, T0)), new Lsn(100));
            clock.advance(Duration.ofSeconds(10));
            assertThat(lane.status().lagMillis()).isZero();
            applies.release();
            held.get(5, TimeUnit.SECONDS);
        }
    }
}
