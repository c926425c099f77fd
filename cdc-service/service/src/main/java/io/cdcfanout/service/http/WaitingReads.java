package io.cdcfanout.service.http;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounds the requests waiting for the pipeline to reach a position ({@code min_lsn} reads, {@code /wait}):
 * beyond {@code http.max-waiting-reads} a request is refused with 503 instead of queuing without end.
 */
final class WaitingReads {

    private final int max;
    private final AtomicInteger waiting = new AtomicInteger();

    WaitingReads(int max) {
        this.max = max;
    }

    /** A place among the waiting reads, to be closed when the read has been answered; empty when all are taken. */
    Optional<Place> enter() {
        while (true) {
            int now = waiting.get();
            if (now >= max) {
                return Optional.empty();
            }
            if (waiting.compareAndSet(now, now + 1)) {
                return Optional.of(new Place());
            }
        }
    }

    int waiting() {
        return waiting.get();
    }

    int max() {
        return max;
    }

    /** One taken place; closing it more than once frees it once. */
    final class Place implements AutoCloseable {
        private boolean closed;

        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                waiting.decrementAndGet();
            }
        }
    }
}
