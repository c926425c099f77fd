package io.cdcfanout.service.pipeline;

/** Where a sink's lane stands. */
public enum SinkState {
    /** {@code start()} has not succeeded yet. */
    STARTING,
    /** Applying batches normally. */
    READY,
    /** The backend failed transiently; the lane retries with backoff and the pipeline waits. */
    RETRYING,
    /** An operator paused the sink ({@code POST /sinks/{name}/pause}); the pipeline waits for it. */
    PAUSED,
    /**
     * Set aside past its {@code on-lag: detach} budget: the other sinks and the slot move on without it; rebuilt and
     * re-attached once its backend answers.
     */
    DETACHED,
    /** Stopped. */
    CLOSED
}
