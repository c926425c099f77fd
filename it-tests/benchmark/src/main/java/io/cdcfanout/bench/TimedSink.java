package io.cdcfanout.bench;

import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.Operation;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.ApplyResult;
import io.cdcfanout.sink.ChangeBatch;
import io.cdcfanout.sink.RebuildableSink;
import io.cdcfanout.sink.Rejection;
import io.cdcfanout.sink.RetryableSinkException;
import io.cdcfanout.sink.Sink;
import io.cdcfanout.sink.jdbc.ChunkedTableReader.ChunkRow;
import java.time.Clock;
import java.time.Instant;
import java.util.List;

/**
 * Wraps a real sink and records, when its {@code apply} has returned (the backend acknowledged the
 * batch), each change's latency from its source commit time into {@link LatencyRecorder#GLOBAL}.
 */
class TimedSink implements Sink {

    private final String name;
    private final Sink delegate;
    private final Clock clock;

    TimedSink(String name, Sink delegate, Clock clock) {
        this.name = name;
        this.delegate = delegate;
        this.clock = clock;
    }

    @Override
    public void start() throws RetryableSinkException {
        delegate.start();
    }

    @Override
    public ApplyResult apply(ChangeBatch batch) throws RetryableSinkException {
        long started = System.nanoTime();
        if (!batch.isEmpty()) {
            LatencyRecorder.GLOBAL.batchStarted(started);
        }
        ApplyResult result = delegate.apply(batch);
        LatencyRecorder.GLOBAL.busy(name, System.nanoTime() - started);
        Instant now = clock.instant();
        for (ChangeEvent e : batch.events()) {
            if (e.op() != Operation.SNAPSHOT) {
                LatencyRecorder.GLOBAL.record(name, e.position().commitTime(), now);
            }
        }
        LatencyRecorder.GLOBAL.applied(name, batch.size(), System.nanoTime());
        return result;
    }

    @Override
    public void close() {
        delegate.close();
    }

    /** A timed sink whose real sink can rebuild: the rebuild steps go straight to it. */
    static final class Rebuildable extends TimedSink implements RebuildableSink {
        private final RebuildableSink rebuildable;

        Rebuildable(String name, Sink delegate, RebuildableSink rebuildable, Clock clock) {
            super(name, delegate, clock);
            this.rebuildable = rebuildable;
        }

        @Override
        public void beginRebuild(TableId table) throws RetryableSinkException {
            rebuildable.beginRebuild(table);
        }

        @Override
        public List<Rejection> backfill(TableId table, List<ChunkRow> rows, boolean endOfTable)
                throws RetryableSinkException {
            return rebuildable.backfill(table, rows, endOfTable);
        }

        @Override
        public void finishRebuild(TableId table) throws RetryableSinkException {
            rebuildable.finishRebuild(table);
        }

        @Override
        public void cancelRebuild(TableId table) {
            rebuildable.cancelRebuild(table);
        }

        @Override
        public String rebuildTarget(TableId table) {
            return rebuildable.rebuildTarget(table);
        }

        @Override
        public boolean resumeRebuild(TableId table, String target) throws RetryableSinkException {
            return rebuildable.resumeRebuild(table, target);
        }

        @Override
        public boolean wantsChunksAfterTheStream() {
            return rebuildable.wantsChunksAfterTheStream();
        }

        @Override
        public boolean loadsItsTablesAtStart() {
            return rebuildable.loadsItsTablesAtStart();
        }
    }
}
