package io.cdcfanout.bench;

import io.cdcfanout.service.CdcService;
import io.cdcfanout.service.config.ServiceConfig;
import java.time.Duration;
import java.util.List;

/**
 * Runs the service until every sink has applied an expected number of changes, and measures that:
 * the window runs from the first batch any sink received to the last change any sink applied, CPU and
 * peaks from the first batch on (start-up excluded).
 */
final class Drain {

    /** One measured drain. */
    record Measured(
            long changes,
            double seconds,
            ResourceSampler.Window resources,
            java.util.Map<String, org.HdrHistogram.Histogram> latency,
            java.util.Map<String, Double> busySeconds) {
        double perSecond() {
            return changes / seconds;
        }
    }

    private final ResourceSampler sampler;
    private final BenchDatabase db;

    Drain(ResourceSampler sampler, BenchDatabase db) {
        this.sampler = sampler;
        this.db = db;
    }

    /**
     * Starts the service once with nothing to do and stops it, so that its offsets exist: a first start
     * without offsets would take the slot's position at start-up ({@code snapshot: never}) and skip a
     * backlog written before. A fence (a logical message) gives the engine a record to commit.
     */
    void prime(ServiceConfig config, Duration timeout) throws Exception {
        try (CdcService service = CdcService.start(config)) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!service.streaming()) {
                check(service, deadline, List.of(), 0);
                Thread.sleep(20);
            }
            io.cdcfanout.schema.Lsn fence = service.fence();
            while (service.sinkStatuses().stream().anyMatch(s -> fence.isAfter(s.lastAppliedLsn()))) {
                check(service, deadline, List.of(), 0);
                Thread.sleep(20);
            }
        }
    }

    /** Starts a service on {@code config}, waits for {@code changes} at every sink, stops it. */
    Measured startAndDrain(ServiceConfig config, List<String> sinks, long changes, Duration timeout) throws Exception {
        LatencyRecorder.GLOBAL.reset();
        awaitSlotReleased(config.source().slot());
        try (CdcService service = CdcService.start(config)) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (LatencyRecorder.GLOBAL.firstBatchNanos() == 0) {
                check(service, deadline, sinks, changes);
                Thread.sleep(5);
            }
            sampler.openWindow(List.of(config.source().slot()));
            return awaitApplied(service, sinks, changes, deadline);
        }
    }

    /** A stopped service's walsender may hold the slot a moment longer; Debezium would then retry only after 10 s. */
    private void awaitSlotReleased(String slot) throws Exception {
        for (int i = 0; i < 300 && db.slotActive(slot); i++) {
            Thread.sleep(100);
        }
    }

    /** Waits on a running service until every sink has applied {@code changes} since the recorder's last reset. */
    Measured awaitApplied(CdcService service, List<String> sinks, long changes, long deadlineNanos) throws Exception {
        while (sinks.stream().anyMatch(s -> LatencyRecorder.GLOBAL.appliedBy(s) < changes)) {
            check(service, deadlineNanos, sinks, changes);
            Thread.sleep(10);
        }
        ResourceSampler.Window window = sampler.closeWindow();
        double seconds = (LatencyRecorder.GLOBAL.lastAppliedNanos() - LatencyRecorder.GLOBAL.firstBatchNanos()) / 1e9;
        return new Measured(
                changes, seconds, window, LatencyRecorder.GLOBAL.snapshot(), LatencyRecorder.GLOBAL.busySeconds());
    }

    private static void check(CdcService service, long deadline, List<String> sinks, long changes) {
        if (service.termination().isDone()) {
            throw new IllegalStateException("the service stopped; see its log");
        }
        if (System.nanoTime() > deadline) {
            StringBuilder s =
                    new StringBuilder("timed out waiting for " + changes + " changes at every sink; applied:");
            sinks.forEach(k -> s.append(' ').append(k).append('=').append(LatencyRecorder.GLOBAL.appliedBy(k)));
            throw new IllegalStateException(s.toString());
        }
    }
}
