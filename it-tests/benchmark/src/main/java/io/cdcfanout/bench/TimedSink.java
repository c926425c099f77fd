package io.cdcfanout.bench;

import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.Operation;
import io.cdcfanout.sink.ApplyResult;
import io.cdcfanout.sink.ChangeBatch;
import io.cdcfanout.sink.RetryableSinkException;
import io.cdcfanout.sink.Sink;
import java.time.Clock;
import java.time.Instant;

/**
 * Wraps a real sink and records, when its {@code apply} has returned (the backend acknowledged the
 * batch), each change's latency from its source commit time into {@link LatencyRecorder#GLOBAL}.
 */
final class TimedSink implements Sink {

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
}
