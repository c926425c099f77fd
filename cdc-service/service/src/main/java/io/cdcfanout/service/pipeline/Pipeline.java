package io.cdcfanout.service.pipeline;

import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.sink.ApplyResult;
import io.cdcfanout.sink.Rejection;
import io.cdcfanout.sink.Sink;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives the source's decoded batches in commit order and fans each out to every sink's lane at once.
 *
 * <p>A batch is acknowledged (and so its offsets may be committed and the slot's {@code confirmed_flush_lsn}
 * may advance) only after every lane has applied it and its dead letters, the changes a sink rejected and the
 * records that could not be decoded, are in the dead-letter table. A crash before that replays the batch,
 * which idempotent sinks absorb. Which offsets an acknowledgement commits is the source's business
 * ({@link BatchAcknowledgement}); the pipeline knows only batches of {@link io.cdcfanout.schema.ChangeEvent}s.
 *
 * <p>While the source drains a backlog (batches of at least {@code backlogBatchSize} records), one batch stays
 * in flight and overlaps the next one's decoding: {@link #accept} waits for the lanes to finish the previous
 * batch and acknowledges it, hands its own to the lanes and returns. Each lane still applies one batch after
 * the other; the batch in flight is acknowledged by the next call, or by {@link #finishInFlight} when the
 * service stops. A smaller batch is applied and acknowledged before {@link #accept} returns: at low rates,
 * returning early would only make the engine poll sooner and split the stream into more, smaller batches,
 * each paying every sink's per-request cost.
 *
 * <p>{@link #accept} is called by the source's single consumer thread; {@link #finishInFlight} by the
 * thread that stops the service.
 */
public final class Pipeline implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Pipeline.class);

    private final List<SinkLane> lanes;
    private final DeadLetters deadLetters;
    private final MeterRegistry meters;
    private final Counter batches;
    private final int backlogBatchSize;
    private volatile Lsn receivedLsn = Lsn.ZERO;
    private final AtomicBoolean closed = new AtomicBoolean();

    /** Guards {@link #inFlight} and every acknowledgement. */
    private final Object acknowledging = new Object();

    private InFlight inFlight;
    private volatile boolean stopping;

    /** A batch the lanes are applying, with what acknowledging it takes. */
    private record InFlight(
            List<CompletableFuture<ApplyResult>> results,
            List<DeadLetter> undecodable,
            BatchAcknowledgement acknowledgement) {}

    Pipeline(List<SinkLane> lanes, DeadLetters deadLetters, MeterRegistry meters, int backlogBatchSize) {
        this.lanes = List.copyOf(lanes);
        this.backlogBatchSize = backlogBatchSize;
        this.deadLetters = deadLetters;
        this.meters = meters;
        this.batches = Counter.builder("cdc.batches")
                .description("batches received from the source")
                .register(meters);
    }

    /**
     * Hands a batch to every lane; {@code acknowledgement} is called once the lanes applied it and its dead
     * letters are stored, before this returns or (for a backlog batch) by the next call or {@link #finishInFlight}.
     */
    public void accept(DecodedBatch batch, BatchAcknowledgement acknowledgement) throws InterruptedException {
        batches.increment();
        synchronized (acknowledging) {
            acknowledgeInFlight();
            Lsn end = Lsn.max(receivedLsn, batch.endLsn());
            List<CompletableFuture<ApplyResult>> results = new ArrayList<>(lanes.size());
            for (SinkLane lane : lanes) {
                results.add(lane.submit(batch.events(), end));
            }
            inFlight = new InFlight(results, batch.undecodable(), acknowledgement);
            receivedLsn = end;
            if (stopping || batch.recordCount() < backlogBatchSize) {
                acknowledgeInFlight();
            }
        }
    }

    /**
     * Waits until the lanes have applied the batch in flight and acknowledges it; from then on every batch is
     * acknowledged before {@link #accept} returns, so that the source commits all of them when it stops.
     * Call it before stopping the source.
     */
    public void finishInFlight() throws InterruptedException {
        stopping = true;
        synchronized (acknowledging) {
            acknowledgeInFlight();
        }
    }

    /** Waits for the batch in flight, stores its dead letters, and acknowledges it. */
    private void acknowledgeInFlight() throws InterruptedException {
        InFlight batch = inFlight;
        if (batch == null) {
            return;
        }
        List<DeadLetter> letters = new ArrayList<>(batch.undecodable());
        for (int i = 0; i < lanes.size(); i++) {
            ApplyResult result = await(batch.results().get(i));
            for (Rejection rejection : result.rejections()) {
                letters.add(DeadLetter.rejected(lanes.get(i).name(), rejection.event(), rejection.reason()));
                LOG.warn("sink {} rejected {}: {}", lanes.get(i).name(), rejection.event(), rejection.reason());
            }
        }
        writeDeadLetters(letters);
        for (DeadLetter letter : letters) {
            meters.counter("cdc.sink.rejections", "sink", letter.sink(), "table", letter.table())
                    .increment();
        }
        batch.acknowledgement().acknowledge();
        inFlight = null;
    }

    private static ApplyResult await(CompletableFuture<ApplyResult> future) throws InterruptedException {
        try {
            return future.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(cause);
        }
    }

    private void writeDeadLetters(List<DeadLetter> letters) throws InterruptedException {
        if (letters.isEmpty()) {
            return;
        }
        try {
            Failsafe.with(RetryPolicies.forever(SQLException.class)
                            .onRetry(e -> LOG.warn(
                                    "cannot write dead letters, retrying: {}",
                                    e.getLastException().getMessage()))
                            .build())
                    .run(() -> deadLetters.write(letters));
        } catch (FailsafeException e) {
            if (e.getCause() instanceof InterruptedException ie) {
                throw ie;
            }
            throw e;
        }
    }

    /** The newest source position handed to the sinks. */
    public Lsn receivedLsn() {
        return receivedLsn;
    }

    public List<SinkStatus> statuses() {
        return lanes.stream().map(SinkLane::status).toList();
    }

    /**
     * Pauses the named sink: it applies no further batch, so the pipeline (and the engine) wait for it until
     * {@link #resume}. Empty when there is no such sink.
     */
    public Optional<SinkStatus> pause(String sink) {
        return lane(sink).map(lane -> {
            lane.pause();
            return lane.status();
        });
    }

    /** Lets a paused sink apply again, starting with the batch it held. Empty when there is no such sink. */
    public Optional<SinkStatus> resume(String sink) {
        return lane(sink).map(lane -> {
            lane.resume();
            return lane.status();
        });
    }

    /** Resumes every paused sink, e.g. so a graceful stop can finish the batch in hand. */
    public void resumeAll() {
        lanes.forEach(SinkLane::resume);
    }

    private Optional<SinkLane> lane(String name) {
        return lanes.stream().filter(l -> l.name().equals(name)).findFirst();
    }

    Optional<SinkLane> laneNamed(String name) {
        return lane(name);
    }

    /** Where the pipeline stores dead letters; a rebuild stores its refused rows there too. It closes it. */
    DeadLetters deadLetters() {
        return deadLetters;
    }

    List<SinkLane> lanes() {
        return lanes;
    }

    public List<Sink> sinks() {
        return lanes.stream().map(SinkLane::sink).toList();
    }

    /** Stops every lane (interrupting a batch in hand) and closes the sinks; safe to call twice. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            lanes.forEach(SinkLane::close);
            deadLetters.close();
        }
    }
}
