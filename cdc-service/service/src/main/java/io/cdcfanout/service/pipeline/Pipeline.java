package io.cdcfanout.service.pipeline;

import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import io.cdcfanout.schema.ChangeEvent;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.RowJson;
import io.cdcfanout.converter.RecordConverter;
import io.cdcfanout.service.engine.ResumeOffsets;
import io.cdcfanout.service.privacy.ColumnPolicy;
import io.cdcfanout.sink.ApplyResult;
import io.cdcfanout.sink.Rejection;
import io.cdcfanout.sink.Sink;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives Debezium's batches in commit order and fans each out to every sink's lane at once.
 *
 * <p>A batch is acknowledged to Debezium (and so its offsets may be committed and the slot's
 * {@code confirmed_flush_lsn} may advance) only after every lane has applied it and its rejections are
 * in the dead-letter table. A crash before that replays the batch, which idempotent sinks absorb. The
 * committed offset is always a transaction boundary ({@link ResumeOffsets}), so a restart re-sends the
 * transaction in progress whole rather than trusting Debezium to find the change after the last one applied.
 *
 * <p>While the engine drains a backlog (batches of at least {@code backlogBatchSize} records), one batch stays
 * in flight and overlaps the next one's decoding: {@link #handleBatch} decodes its batch, waits for the
 * lanes to finish the previous one and acknowledges it, hands its own to the lanes and returns. Each lane
 * still applies one batch after the other; the batch in flight is acknowledged by the next call, or by
 * {@link #finishInFlight} when the service stops. A smaller batch is applied and acknowledged before
 * {@link #handleBatch} returns: at low rates, returning early would only make the engine poll sooner and
 * split the stream into more, smaller batches, each paying every sink's per-request cost.
 *
 * <p>{@link #handleBatch} is called by the engine's single consumer thread; {@link #finishInFlight} by the
 * thread that stops the service.
 */
public final class Pipeline implements DebeziumEngine.ChangeConsumer<RecordChangeEvent<SourceRecord>>, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Pipeline.class);

    static final String UNDECODABLE = DeadLetter.UNDECODABLE;

    private final List<SinkLane> lanes;
    private final DeadLetterStore deadLetters;
    private final ColumnPolicy columnPolicy;
    private final RecordConverter converter = new RecordConverter();
    private final MeterRegistry meters;
    private final Counter batches;
    private final int backlogBatchSize;
    private volatile Lsn receivedLsn = Lsn.ZERO;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    /** Guards {@link #inFlight} and every use of Debezium's committer. */
    private final Object acknowledging = new Object();
    private InFlight inFlight;
    private volatile boolean stopping;

    /**
     * A batch the lanes are applying, with what acknowledging it takes.
     *
     * @param boundary the batch's newest record at a transaction boundary and its offsets; null if none
     */
    private record InFlight(List<CompletableFuture<ApplyResult>> results, List<DeadLetter> letters,
                            Boundary boundary, DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer) {
    }

    private record Boundary(RecordChangeEvent<SourceRecord> record, Map<String, Object> offsets) {
    }

    Pipeline(List<SinkLane> lanes, DeadLetterStore deadLetters, ColumnPolicy columnPolicy, MeterRegistry meters,
             int backlogBatchSize) {
        this.lanes = List.copyOf(lanes);
        this.backlogBatchSize = backlogBatchSize;
        this.deadLetters = deadLetters;
        this.columnPolicy = columnPolicy;
        this.meters = meters;
        this.batches = Counter.builder("cdc_batches").description("batches received from the engine").register(meters);
    }

    @Override
    public void handleBatch(List<RecordChangeEvent<SourceRecord>> records,
                            DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer) throws InterruptedException {
        batches.increment();
        List<ChangeEvent> events = new ArrayList<>(records.size());
        List<DeadLetter> letters = new ArrayList<>();
        Lsn end = receivedLsn;
        for (RecordChangeEvent<SourceRecord> r : records) {
            SourceRecord record = r.record();
            Optional<Lsn> position = RecordConverter.positionOf(record);
            try {
                converter.convert(record).map(columnPolicy::apply).ifPresent(events::add); // private columns never reach a sink
            } catch (RuntimeException e) {
                LOG.error("cannot decode change at {} on {}; it goes to the dead-letter table: {}", position.orElse(null), record.topic(), e.toString());
                meters.counter("cdc_dead_letters", "sink", UNDECODABLE, "table", record.topic()).increment();
                letters.add(undecodable(record, position.orElse(Lsn.ZERO), e));
            }
            if (position.isPresent()) {
                end = Lsn.max(end, position.get());
            }
        }
        Boundary boundary = newestBoundary(records);
        synchronized (acknowledging) {
            acknowledgeInFlight();
            List<CompletableFuture<ApplyResult>> results = new ArrayList<>(lanes.size());
            for (SinkLane lane : lanes) {
                results.add(lane.submit(events, end));
            }
            inFlight = new InFlight(results, letters, boundary, committer);
            receivedLsn = end;
            if (stopping || records.size() < backlogBatchSize) {
                acknowledgeInFlight();
            }
        }
    }

    /**
     * Waits until the lanes have applied the batch in flight and acknowledges it; from then on every batch is
     * acknowledged before {@link #handleBatch} returns, so that the engine commits all of them when it stops.
     * Call it before closing the engine.
     */
    public void finishInFlight() throws InterruptedException {
        stopping = true;
        synchronized (acknowledging) {
            acknowledgeInFlight();
        }
    }

    /** Waits for the batch in flight, writes its dead letters, and marks its offsets processed. */
    private void acknowledgeInFlight() throws InterruptedException {
        InFlight batch = inFlight;
        if (batch == null) {
            return;
        }
        List<DeadLetter> letters = new ArrayList<>(batch.letters());
        for (int i = 0; i < lanes.size(); i++) {
            ApplyResult result = await(batch.results().get(i));
            for (Rejection rejection : result.rejections()) {
                letters.add(DeadLetter.rejected(lanes.get(i).name(), rejection.event(), rejection.reason()));
                meters.counter("cdc_dead_letters", "sink", lanes.get(i).name(), "table", rejection.event().table().toString()).increment();
                LOG.warn("sink {} rejected {}: {}", lanes.get(i).name(), rejection.event(), rejection.reason());
            }
        }
        writeDeadLetters(letters);
        if (batch.boundary() != null) {
            DebeziumEngine.Offsets offsets = batch.committer().buildOffsets();
            batch.boundary().offsets().forEach(offsets::set);
            batch.committer().markProcessed(batch.boundary().record(), offsets);
        }
        batch.committer().markBatchFinished();
        inFlight = null;
    }

    /**
     * The batch's newest record at a transaction boundary, with the offsets to commit for it. Debezium keeps
     * only the last offset marked (one source partition) and offsets grow with the records, so marking each
     * record would only repeat work.
     */
    private static Boundary newestBoundary(List<RecordChangeEvent<SourceRecord>> records) {
        for (int i = records.size() - 1; i >= 0; i--) {
            RecordChangeEvent<SourceRecord> r = records.get(i);
            Optional<Map<String, Object>> boundary = ResumeOffsets.atTransactionBoundary(r.record().sourceOffset());
            if (boundary.isPresent()) {
                return new Boundary(r, boundary.get());
            }
        }
        return null;
    }

    /** A record the converter could not turn into an event: kept whole, so nothing is lost. */
    private static DeadLetter undecodable(SourceRecord record, Lsn lsn, RuntimeException error) {
        String table = record.topic();
        long txId = 0;
        if (record.value() instanceof Struct value && value.schema().field("source") != null && value.getStruct("source") != null) {
            Struct source = value.getStruct("source");
            table = source.getString("schema") + "." + source.getString("table");
            txId = source.getInt64("txId") == null ? 0 : source.getInt64("txId");
        }
        return DeadLetter.undecodable(table, String.valueOf(record.key()), lsn, txId, "cannot decode the change: " + error,
                String.valueOf(record.value()));
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
                            .onRetry(e -> LOG.warn("cannot write dead letters, retrying: {}", e.getLastException().getMessage()))
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

    List<SinkLane> lanes() {
        return lanes;
    }

    public List<Sink> sinks() {
        return lanes.stream().map(SinkLane::sink).toList();
    }

    @Override
    /** Stops every lane (interrupting a batch in hand) and closes the sinks; safe to call twice. */
    public void close() {
        if (closed.compareAndSet(false, true)) {
            lanes.forEach(SinkLane::close);
            deadLetters.close();
        }
    }
}
