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
    /** Stopped. */
    CLOSED
}
