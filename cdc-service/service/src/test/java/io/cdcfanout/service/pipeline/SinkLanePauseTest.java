package io.cdcfanout.service.pipeline;

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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SinkLanePauseTest {

    private final List<Lsn> applied = new CopyOnWriteArrayList<>();
    private final Sink sink = new ApplyingSink(batch -> {
        applied.add(batch.endLsn());
        return ApplyResult.allApplied();
    });

    @Test
    void pausedLaneHoldsItsBatchAndReportsPausedUntilResumed() throws Exception {
        try (SinkLane lane =
                new SinkLane("cache", "caffeine", sink, Set.of(), Clock.systemUTC(), new SimpleMeterRegistry())) {
            lane.start();
            lane.pause();
            assertThat(lane.status().state()).isEqualTo(SinkState.PAUSED);
            assertThat(lane.isReady()).isFalse();

            CompletableFuture<ApplyResult> held = lane.submit(List.of(), new Lsn(100));
            Thread.sleep(300);
            assertThat(held).isNotDone();
            assertThat(applied).isEmpty();

            lane.resume();
            held.get(5, TimeUnit.SECONDS);
            assertThat(applied).containsExactly(new Lsn(100));
            assertThat(lane.status().state()).isEqualTo(SinkState.READY);
            assertThat(lane.status().lastAppliedLsn()).isEqualTo(new Lsn(100));
        }
    }
}
