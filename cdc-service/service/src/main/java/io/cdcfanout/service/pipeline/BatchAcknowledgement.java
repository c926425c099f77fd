package io.cdcfanout.service.pipeline;

/**
 * Tells the source that a batch is done: every sink applied it and its dead letters are stored, so its
 * offsets may be committed. The {@link Pipeline} calls it exactly once per batch, in batch order.
 */
@FunctionalInterface
public interface BatchAcknowledgement {

    void acknowledge() throws InterruptedException;
}
