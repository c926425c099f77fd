package io.cdcfanout.service.source;

import io.cdcfanout.service.pipeline.Pipeline;
import io.cdcfanout.service.privacy.ColumnPolicy;
import java.util.concurrent.CompletableFuture;

/**
 * Where the pipeline's batches come from: the embedded engine on a slot of the sidecar's own, or the topic a
 * Kafka Connect connector writes. Driven by the service in this order:
 * <ol>
 *   <li>{@link #start} prepares the source and fixes where the stream begins (from the stored position, or on a
 *       first start where the configuration says), without handing over any record;</li>
 *   <li>{@link #awaitSourceStarted()} returns once that point is fixed, or throws what went wrong; the sinks
 *       start after it, so a sink that loads its state itself (the cache) takes its snapshot after the point
 *       the stream begins at;</li>
 *   <li>{@link #startPolling()} lets the source hand batches to the pipeline, in commit order, from one thread;
 *       it stores its position only when the pipeline acknowledges a batch, and only at a transaction
 *       boundary;</li>
 *   <li>{@link #close()} stops gracefully: the batch in hand is finished and its position stored.</li>
 * </ol>
 */
public interface ChangeSource extends AutoCloseable {

    void start(Pipeline pipeline, ColumnPolicy columnPolicy);

    void awaitSourceStarted() throws InterruptedException;

    void startPolling();

    /** True while the source streams. */
    boolean streaming();

    /** Completes when the source stopped: normally, or exceptionally with its error. */
    CompletableFuture<Void> termination();

    /** Stops gracefully; safe to call more than once, and before {@link #start}. */
    @Override
    void close();
}
