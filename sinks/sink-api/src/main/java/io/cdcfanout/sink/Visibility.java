package io.cdcfanout.sink;

/**
 * Implemented by a sink whose applied writes may not yet be visible to readers of its backend, such as a
 * search index that becomes searchable only at its next refresh. The service's {@code GET /wait} calls
 * {@link #makeAppliedVisible()} after the sink has applied the position a client waits for. A sink
 * whose writes are visible once {@link Sink#apply} returns does not implement this.
 */
public interface Visibility {

    /**
     * Makes every write that {@link Sink#apply} has returned for before this call visible to the backend's
     * readers, and returns once it is. May be called from any thread, concurrently with {@code apply}.
     *
     * @throws Exception when the backend could not be reached or refused; the caller reports it
     */
    void makeAppliedVisible() throws Exception;
}
