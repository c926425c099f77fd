package io.cdcfanout.service.http;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Runs a blocking call (a WAL fence, an index refresh) for many concurrent requesters, one call at a time.
 *
 * <p>The guarantee a requester gets: the call whose result completes its future <em>started after</em> it
 * asked. That is what makes sharing correct for a fence, which covers only the commits that happened
 * before it was written. A requester arriving while a call is running does not reuse it (it may have
 * started before the requester's own commit); it joins the next call, which starts when the running one
 * ends and serves every requester that arrived meanwhile. So at most one call runs and one is pending,
 * however many requesters wait.
 *
 * @param <T> the call's result
 */
final class CoalescedCall<T> implements AutoCloseable {

    private final Callable<T> call;
    private final ExecutorService thread;
    private CompletableFuture<T> pending;
    private boolean running;

    CoalescedCall(String threadName, Callable<T> call) {
        this.call = call;
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
    }

    /** The result of a call that starts after this request; completes exceptionally if that call throws. */
    synchronized CompletableFuture<T> request() {
        if (pending == null) {
            pending = new CompletableFuture<>();
        }
        CompletableFuture<T> mine = pending;
        if (!running) {
            startPending();
        }
        return mine;
    }

    private void startPending() {
        CompletableFuture<T> joined = pending;
        pending = null;
        running = true;
        thread.execute(() -> {
            try {
                joined.complete(call.call());
            } catch (Throwable e) {
                joined.completeExceptionally(e);
            } finally {
                synchronized (this) {
                    running = false;
                    if (pending != null) {
                        startPending();
                    }
                }
            }
        });
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
