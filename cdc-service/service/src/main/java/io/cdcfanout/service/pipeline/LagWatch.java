package io.cdcfanout.service.pipeline;

import io.cdcfanout.schema.Lsn;
import io.cdcfanout.service.config.LagPolicy;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies each sink's {@code on-lag: detach} budget: once a second, a sink whose backend fails (its lane retries)
 * and that is past its budget is detached; when it is back, every table of it is rebuilt. Only a failing sink is
 * detached: a sink that keeps up slowly holds the stream as always, and a backlog every sink shares (after a
 * restart, say) detaches none.
 */
public final class LagWatch implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LagWatch.class);

    private final Pipeline pipeline;
    private final Supplier<Lsn> sourcePosition;
    private final Rebuilds rebuilds;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "lag-watch");
        t.setDaemon(true);
        return t;
    });

    /**
     * @param sourcePosition the source's current WAL position, null while unknown (then only time budgets apply)
     */
    public LagWatch(Pipeline pipeline, Supplier<Lsn> sourcePosition, Rebuilds rebuilds) {
        this.pipeline = pipeline;
        this.sourcePosition = sourcePosition;
        this.rebuilds = rebuilds;
        for (SinkLane lane : pipeline.lanes()) {
            lane.onReattached(l -> {
                var unused = java.util.concurrent.CompletableFuture.runAsync(() -> rebuildOnceIdle(l.name()));
            });
        }
    }

    public void start() {
        if (pipeline.lanes().stream().anyMatch(l -> l.lagPolicy().detaches())) {
            var unused = timer.scheduleWithFixedDelay(this::check, 1, 1, TimeUnit.SECONDS);
        }
    }

    private void check() {
        try {
            for (SinkLane lane : pipeline.lanes()) {
                String over = overBudget(lane);
                if (over != null) {
                    detach(lane, over);
                }
            }
        } catch (RuntimeException e) { // a scheduled task that throws is never run again
            LOG.warn("lag watch failed", e);
        }
    }

    /**
     * A rebuild under way would miss what the detached lane skips, so it is cancelled; the rebuild owed is recorded
     * before the lane lets batches pass, so offsets never move past a change the sink missed unrecorded (a restart
     * rebuilds it). If it cannot be recorded, the sink is not detached now.
     */
    private void detach(SinkLane lane, String why) {
        rebuilds.cancel(lane.name(), Optional.empty());
        try {
            rebuilds.owe(lane.name());
        } catch (java.sql.SQLException e) {
            LOG.warn(
                    "sink {} is past its on-lag budget but its rebuild cannot be recorded ({}); it is not detached yet",
                    lane.name(),
                    e.getMessage());
            return;
        }
        lane.detach(why);
    }

    /** Requests the rebuild of a re-attached sink once the rebuilds cancelled at its detachment are over. */
    private void rebuildOnceIdle(String sink) {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (rebuilds.statuses(sink).stream().anyMatch(r -> !r.phase().isFinal()) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        rebuilds.request(sink, Optional.empty(), RebuildOptions.DEFAULTS);
    }

    /** Why the lane is past its budget, or null. */
    private String overBudget(SinkLane lane) {
        LagPolicy policy = lane.lagPolicy();
        if (!policy.detaches() || lane.isDetached() || !lane.isRetrying()) {
            return null;
        }
        long lagMillis = lane.status().lagMillis();
        if (policy.maxLagTime() != null && lagMillis > policy.maxLagTime().toMillis()) {
            return "its backend has failed and its oldest unapplied change is " + lagMillis
                    + " ms old, past max-lag.time " + policy.maxLagTime();
        }
        Lsn now = sourcePosition.get();
        if (policy.maxLagBytes() > 0 && now != null && lane.lastAppliedLsn().value() > 0) {
            long behind = now.value() - lane.lastAppliedLsn().value();
            if (behind > policy.maxLagBytes()) {
                return "its backend has failed and it is " + behind + " bytes of WAL behind, past max-lag.wal "
                        + policy.maxLagBytes();
            }
        }
        return null;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
