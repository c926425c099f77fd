package io.cdcfanout.service.pipeline;

import dev.failsafe.RateLimiter;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.RebuildableSink;
import io.cdcfanout.sink.Rejection;
import io.cdcfanout.sink.RowPolicy;
import io.cdcfanout.sink.SourceDatabase;
import io.cdcfanout.sink.jdbc.ChunkedTableReader;
import io.cdcfanout.sink.jdbc.ChunkedTableReader.ChunkRow;
import io.cdcfanout.sink.jdbc.TableReads;
import io.micrometer.core.instrument.Counter;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One rebuild of one table for one sink (see {@link RebuildableSink} for the steps and why they are safe):
 * opens the sink's new view on its lane, reads the table chunk by chunk in key order and hands each chunk
 * to the lane, then has the lane swap the views. A failed chunk read is retried on a new connection from the
 * last key handed over, so nothing is read twice or skipped.
 *
 * <p>The chunk rows the sink refuses ({@link RebuildableSink#backfill} returns them) are stored as dead letters,
 * as the pipeline stores a batch's rejections, before the chunk's progress is saved: a restart that re-reads the
 * chunk stores them again, which adds nothing. The rebuild goes on without them; they count in
 * {@code rows_rejected} and in {@code cdc.sink.rejections}.
 */
final class TableRebuild {

    private static final Logger LOG = LoggerFactory.getLogger(TableRebuild.class);
    private static final Duration READ_RETRY_DELAY = Duration.ofSeconds(1);
    private static final int READ_ATTEMPTS = 10;

    private final long id;
    private final SinkLane lane;
    private final TableId table;
    private final RebuildOptions options;
    private final SourceDatabase source;
    private final RowPolicy rowPolicy;
    private final Clock clock;
    private final Counter rowsCounter;
    private final Counter rejectionsCounter;
    private final DeadLetters deadLetters;
    private final Instant requestedAt;
    private final List<Runnable> whenDone = new ArrayList<>(); // guarded by this
    private final RebuildProgress progress;
    private final RebuildProgress.Saved resumeFrom;
    private final StreamBarrier barrier;
    private String target;

    private volatile RebuildStatus.Phase phase = RebuildStatus.Phase.QUEUED;
    private final AtomicLong rowsCopied = new AtomicLong();
    private final AtomicLong rowsRejected = new AtomicLong();
    private volatile long rowsEstimated = -1;
    private final AtomicLong chunks = new AtomicLong();
    private volatile Instant finishedAt;
    private volatile String error;
    private volatile boolean cancelRequested;

    TableRebuild(
            long id,
            SinkLane lane,
            TableId table,
            RebuildOptions options,
            SourceDatabase source,
            RowPolicy rowPolicy,
            Clock clock,
            Counter rowsCounter,
            Counter rejectionsCounter,
            DeadLetters deadLetters,
            Runnable onDone,
            RebuildProgress progress,
            RebuildProgress.Saved resumeFrom,
            StreamBarrier barrier) {
        this.id = id;
        this.lane = lane;
        this.table = table;
        this.options = options;
        this.source = source;
        this.rowPolicy = rowPolicy;
        this.clock = clock;
        this.rowsCounter = rowsCounter;
        this.rejectionsCounter = rejectionsCounter;
        this.deadLetters = deadLetters;
        this.requestedAt = clock.instant();
        this.whenDone.add(onDone);
        this.progress = progress;
        this.resumeFrom = resumeFrom;
        this.barrier = barrier;
        if (resumeFrom != null) {
            rowsCopied.set(resumeFrom.rowsCopied());
            target = resumeFrom.target();
        }
    }

    TableId table() {
        return table;
    }

    boolean isFinal() {
        return phase.isFinal();
    }

    /**
     * Runs {@code action} once this rebuild is done (at once if it is): a second request for a table whose
     * rebuild is already queued or running shares that rebuild, and its follow-up too.
     */
    synchronized void alsoWhenDone(Runnable action) {
        if (phase == RebuildStatus.Phase.DONE) {
            action.run();
        } else {
            whenDone.add(action);
        }
    }

    private synchronized void runWhenDone() {
        whenDone.forEach(Runnable::run);
        whenDone.clear();
    }

    /** Asks it to stop: a queued rebuild never starts, a running one stops before its next chunk. */
    void cancel() {
        cancelRequested = true;
        if (phase == RebuildStatus.Phase.QUEUED) {
            finish(RebuildStatus.Phase.CANCELLED, null);
        }
    }

    RebuildStatus status() {
        return new RebuildStatus(
                id,
                lane.name(),
                table.toString(),
                phase,
                rowsCopied.get(),
                rowsRejected.get(),
                rowsEstimated,
                chunks.get(),
                options.chunkSize(),
                options.rowsPerSecond(),
                requestedAt,
                finishedAt,
                resumeFrom == null ? null : resumeFrom.rowsCopied(),
                error);
    }

    /** Runs the whole rebuild on the caller's thread; returns once it is done, cancelled or failed. */
    void run() {
        if (phase.isFinal()) {
            return;
        }
        phase = RebuildStatus.Phase.COPYING;
        LOG.info("sink {}: rebuild #{} of {} started ({})", lane.name(), id, table, options);
        try {
            if (resumeFrom == null) {
                onLane(sink -> {
                    rebuildable(sink).beginRebuild(table);
                    target = rebuildable(sink).rebuildTarget(table);
                });
                save(null);
            }
            copy();
            phase = RebuildStatus.Phase.SWAPPING;
            onLane(sink -> rebuildable(sink).finishRebuild(table));
            finish(RebuildStatus.Phase.DONE, null);
            runWhenDone();
            forget();
            LOG.info(
                    "sink {}: rebuild #{} of {} done: {} rows in {} chunks, {} refused (dead letters)",
                    lane.name(),
                    id,
                    table,
                    rowsCopied,
                    chunks,
                    rowsRejected);
        } catch (CancellationException e) {
            dropTarget();
            finish(RebuildStatus.Phase.CANCELLED, null);
            forget();
            LOG.info("sink {}: rebuild #{} of {} cancelled after {} rows", lane.name(), id, table, rowsCopied.get());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            dropTarget();
            finish(RebuildStatus.Phase.CANCELLED, null);
        } catch (RuntimeException | SQLException | ExecutionException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            dropTarget();
            finish(RebuildStatus.Phase.FAILED, String.valueOf(cause.getMessage()));
            forget();
            LOG.error(
                    "sink {}: rebuild #{} of {} failed; the live view is unchanged: {}", lane.name(), id, table, error);
        }
    }

    /**
     * A chunk handed to the lane and not yet known to be applied; {@code refused} holds the rows the sink refused
     * once {@code applied} completed.
     */
    private record InFlight(
            java.util.concurrent.CompletableFuture<Void> applied,
            AtomicReference<List<Rejection>> refused,
            List<String> lastKey,
            int rows) {}

    /**
     * Reads the table chunk by chunk; the next chunk is read while the lane applies the last one, and handed
     * over once the last one is applied (at most one chunk waits on the lane, so memory stays two chunks).
     */
    private void copy() throws SQLException, InterruptedException, ExecutionException {
        RateLimiter<Object> limiter = options.rowsPerSecond() == 0
                ? null
                : RateLimiter.smoothBuilder(options.rowsPerSecond(), Duration.ofSeconds(1))
                        .build();
        List<String> position = resumeFrom == null ? null : resumeFrom.lastKey();
        boolean afterTheStream = rebuildable(lane.sink()).wantsChunksAfterTheStream();
        InFlight inFlight = null;
        int failures = 0;
        while (true) {
            try (Connection c = source.connect("cdc-fanout rebuild " + lane.name())) {
                c.setAutoCommit(true);
                c.setReadOnly(true);
                if (rowsEstimated < 0) {
                    rowsEstimated = TableReads.estimatedRows(c, table);
                }
                ChunkedTableReader reader = new ChunkedTableReader(c, table, options.chunkSize(), position);
                while (!reader.done()) {
                    checkCancelled();
                    List<ChunkRow> rows = visible(reader.next());
                    boolean endOfTable = reader.done();
                    failures = 0;
                    if (afterTheStream) {
                        barrier.awaitStreamPastNow(this::checkCancelled);
                    }
                    position = reader.position();
                    if (inFlight != null) {
                        applied(inFlight);
                        inFlight = null;
                    }
                    if (limiter != null && !rows.isEmpty()) {
                        limiter.acquirePermits(rows.size());
                    }
                    AtomicReference<List<Rejection>> refused = new AtomicReference<>(List.of());
                    inFlight = new InFlight(
                            lane.runBetweenBatches(
                                    sink -> refused.set(rebuildable(sink).backfill(table, rows, endOfTable))),
                            refused,
                            position,
                            rows.size());
                }
                if (inFlight != null) {
                    applied(inFlight);
                }
                return;
            } catch (SQLException e) {
                if (++failures >= READ_ATTEMPTS) {
                    throw e;
                }
                LOG.warn(
                        "sink {}: rebuild #{} of {} could not read a chunk (attempt {} of {}), retrying: {}",
                        lane.name(),
                        id,
                        table,
                        failures,
                        READ_ATTEMPTS,
                        e.getMessage());
                Thread.sleep(READ_RETRY_DELAY.toMillis());
            }
        }
    }

    private void applied(InFlight chunk) throws InterruptedException, ExecutionException {
        chunk.applied().get();
        List<Rejection> refused = chunk.refused().get();
        storeDeadLetters(refused);
        rowsRejected.addAndGet(refused.size());
        rejectionsCounter.increment(refused.size());
        rowsCopied.addAndGet(chunk.rows());
        if (chunk.rows() > 0) {
            chunks.incrementAndGet();
        }
        rowsCounter.increment(chunk.rows());
        save(chunk.lastKey());
    }

    /**
     * Stores the chunk's refused rows in the dead-letter table, before its progress is saved so a restart cannot
     * skip them. A store that keeps failing fails the rebuild (an unchecked exception, so the copy does not take it
     * for a failed read) rather than lose the rows.
     */
    private void storeDeadLetters(List<Rejection> refused) throws InterruptedException {
        if (refused.isEmpty()) {
            return;
        }
        List<DeadLetter> letters = refused.stream()
                .map(r -> DeadLetter.rejected(lane.name(), r.event(), r.reason()))
                .toList();
        for (int attempt = 1; ; attempt++) {
            try {
                deadLetters.write(letters);
                return;
            } catch (SQLException e) {
                if (attempt >= READ_ATTEMPTS) {
                    throw new IllegalStateException(
                            "cannot store the " + letters.size() + " row(s) the sink refused as dead letters: "
                                    + e.getMessage(),
                            e);
                }
                LOG.warn(
                        "sink {}: rebuild #{} of {} could not store {} dead letter(s) (attempt {} of {}), retrying: {}",
                        lane.name(),
                        id,
                        table,
                        letters.size(),
                        attempt,
                        READ_ATTEMPTS,
                        e.getMessage());
                Thread.sleep(READ_RETRY_DELAY.toMillis());
                checkCancelled();
            }
        }
    }

    /** Saves how far the copy got, for a view that outlives the process; a failure only costs a later resume. */
    private void save(List<String> lastKey) {
        if (progress == null || target == null) {
            return;
        }
        try {
            progress.save(new RebuildProgress.Saved(lane.name(), table, target, lastKey, rowsCopied.get(), options));
        } catch (SQLException e) {
            LOG.warn(
                    "sink {}: rebuild #{} of {} could not save its progress: {}",
                    lane.name(),
                    id,
                    table,
                    e.getMessage());
        }
    }

    /** Clears this rebuild's own record: an owed rebuild recorded since (a detachment) stays. */
    private void forget() {
        if (progress == null || target == null) {
            return; // nothing was saved; an owed record, if any, stays until a rebuild that began is done
        }
        try {
            progress.delete(lane.name(), table, target);
        } catch (SQLException e) {
            LOG.warn(
                    "sink {}: rebuild #{} of {} could not clear its progress: {}",
                    lane.name(),
                    id,
                    table,
                    e.getMessage());
        }
    }

    private List<ChunkRow> visible(List<ChunkRow> rows) {
        List<ChunkRow> out = new ArrayList<>(rows.size());
        for (ChunkRow row : rows) {
            out.add(new ChunkRow(row.key(), rowPolicy.apply(table, row.row())));
        }
        return out;
    }

    private void checkCancelled() {
        if (cancelRequested || Thread.currentThread().isInterrupted()) {
            throw new CancellationException();
        }
    }

    private void onLane(SinkLane.LaneStep step) throws InterruptedException, ExecutionException {
        lane.runBetweenBatches(step).get();
    }

    private void dropTarget() {
        try {
            lane.runBetweenBatches(sink -> rebuildable(sink).cancelRebuild(table))
                    .get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | RuntimeException e) {
            LOG.warn("sink {}: dropping the half-built view of {} failed: {}", lane.name(), table, e.toString());
        }
    }

    private void finish(RebuildStatus.Phase outcome, String reason) {
        error = reason;
        finishedAt = clock.instant();
        phase = outcome;
    }

    private static RebuildableSink rebuildable(io.cdcfanout.sink.Sink sink) {
        return (RebuildableSink) sink;
    }
}
