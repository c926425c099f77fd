package io.cdcfanout.service.http;

import io.cdcfanout.schema.Lsn;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * Waits, without a thread per waiter, until a reader has applied a client's position, writing a fence so
 * that the pipeline gets past that position even when no other change follows.
 *
 * <p>All waiters share one fence writer ({@link CoalescedCall}): one fence at a time on one source
 * connection, and each waiter is served by a fence that was started after it arrived, so after its
 * client's commit. Such a fence stands after that commit in the WAL; once the pipeline passes it, the
 * client's position is applied.
 */
final class Catchup implements AutoCloseable {

    private final CoalescedCall<Lsn> fence;
    private final AppliedWatch watch = new AppliedWatch();

    Catchup(ServiceView service) {
        this.fence = new CoalescedCall<>("http-fence", service::fence);
    }

    /**
     * Completes with true once {@code reached} holds, false when it does not within {@code timeout}, and
     * exceptionally with {@link FenceFailedException} when the fence could not be written.
     */
    CompletableFuture<Boolean> until(BooleanSupplier reached, Duration timeout) {
        if (reached.getAsBoolean()) {
            return CompletableFuture.completedFuture(true);
        }
        CompletableFuture<Boolean> result = watch.await(reached, timeout);
        // the fence's failure is passed on to the waiter here; the waiter itself waits on result, not on this stage
        CompletableFuture<Lsn> unused = fence.request().whenComplete((lsn, error) -> {
            if (error != null) {
                result.completeExceptionally(new FenceFailedException(error));
            }
        });
        return result;
    }

    @Override
    public void close() {
        watch.close();
        fence.close();
    }

    /** The source refused the fence (it is down, say); answered with 503. */
    static final class FenceFailedException extends RuntimeException {
        FenceFailedException(Throwable cause) {
            super("cannot write a fence into the source's WAL: " + cause.getMessage(), cause);
        }
    }
}
