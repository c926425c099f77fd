package io.cdcfanout.service.pipeline;

import io.cdcfanout.schema.Lsn;
import io.cdcfanout.service.source.WalFence;
import java.sql.SQLException;
import java.util.function.Supplier;

/**
 * Holds a rebuild's chunk back until the stream has handed the lanes every transaction that committed before the
 * chunk was read: a fence written into the WAL after the read stands after all of them, and once the pipeline has
 * handed over a batch that reaches the fence, a step queued on a lane runs after that batch.
 */
final class StreamBarrier {

    private static final long POLL_MILLIS = 2;

    private final WalFence fence;
    private final Supplier<Lsn> handedOver;

    /** @param handedOver the position up to which the pipeline has handed batches to the lanes */
    StreamBarrier(WalFence fence, Supplier<Lsn> handedOver) {
        this.fence = fence;
        this.handedOver = handedOver;
    }

    /** Call after the read; returns once the stream is past it. {@code check} runs while waiting (to cancel). */
    void awaitStreamPastNow(Runnable check) throws SQLException, InterruptedException {
        Lsn at = fence.write();
        while (handedOver.get().compareTo(at) < 0) {
            check.run();
            Thread.sleep(POLL_MILLIS);
        }
    }
}
