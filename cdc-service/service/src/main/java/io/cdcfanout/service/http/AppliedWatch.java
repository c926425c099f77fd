package io.cdcfanout.service.http;

import java.time.Duration;
import java.util.Iterator;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Waits for conditions such as "the cache has applied this LSN" without holding a thread per waiter: one
 * thread checks every pending condition each {@value #TICK_MILLIS} ms and completes the waiter's future.
 * The conditions must be cheap (a volatile read) and must not block.
 */
final class AppliedWatch implements AutoCloseable {

    static final long TICK_MILLIS = 2;

    private record Waiter(BooleanSupplier condition, long deadlineNanos, CompletableFuture<Boolean> result) {}

    private final Queue<Waiter> waiters = new ConcurrentLinkedQueue<>();
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "http-applied-watch");
        t.setDaemon(true);
        return t;
    });

    private final ScheduledFuture<?> ticking;

    AppliedWatch() {
        ticking = thread.scheduleWithFixedDelay(this::check, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * Completes with true once {@code condition} holds, with false when it still does not after
     * {@code timeout}; completes at once when it holds already.
     */
    CompletableFuture<Boolean> await(BooleanSupplier condition, Duration timeout) {
        if (condition.getAsBoolean()) {
            return CompletableFuture.completedFuture(true);
        }
        CompletableFuture<Boolean> result = new CompletableFuture<>();
        waiters.add(new Waiter(condition, System.nanoTime() + timeout.toNanos(), result));
        return result;
    }

    private void check() {
        long now = System.nanoTime();
        for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
            Waiter w = it.next();
            boolean done = true;
            try {
                if (w.condition().getAsBoolean()) {
                    w.result().complete(true);
                } else if (now - w.deadlineNanos() >= 0) {
                    w.result().complete(false);
                } else {
                    done = w.result().isDone();
                }
            } catch (RuntimeException e) {
                w.result().completeExceptionally(e);
            }
            if (done) {
                it.remove();
            }
        }
    }

    @Override
    public void close() {
        ticking.cancel(false);
        thread.shutdownNow();
        waiters.forEach(w -> w.result().complete(false));
        waiters.clear();
    }
}
