package io.cdcfanout.service.engine;

import io.cdcfanout.service.config.ServiceConfig;
import io.cdcfanout.service.pipeline.Pipeline;
import io.cdcfanout.service.privacy.ColumnPolicy;
import io.cdcfanout.service.source.ChangeSource;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded Debezium engine from start to stop: builds it around a {@link ChangeBatchDecoder} feeding
 * the pipeline, with offsets in Postgres ({@link PostgresOffsetBackingStore}), runs it on a thread of its
 * own, tracks whether it streams, and stops it gracefully ({@link #close()}).
 *
 * <p>Starting has two steps. {@link #start} starts the connector's task, which fixes where the stream begins:
 * from the stored offsets, or, on a first start, at the consistent point of the slot it creates;
 * {@link #awaitSourceStarted()} returns once it has. The engine then hands over no record until
 * {@link #startPolling()}, so the sinks can start (and the cache take its load snapshot) in between, after
 * the stream's start point and before its first record.
 */
public final class EngineLifecycle implements ChangeSource {

    private static final Logger LOG = LoggerFactory.getLogger(EngineLifecycle.class);

    /** How long a graceful stop waits for the batch in hand before leaving it uncommitted. */
    static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(20);

    private final ServiceConfig config;
    private final String offsetStoreId = UUID.randomUUID().toString();
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    private final ExecutorService engineThread =
            Executors.newSingleThreadExecutor(r -> new Thread(r, "debezium-engine"));
    private final CompletableFuture<Void> sourceStarted = new CompletableFuture<>();
    private final CompletableFuture<Void> pollingAllowed = new CompletableFuture<>();
    private volatile boolean streaming;
    private volatile boolean stopRequested;
    private Pipeline pipeline;
    private DebeziumEngine<RecordChangeEvent<SourceRecord>> engine;

    public EngineLifecycle(ServiceConfig config) {
        this.config = config;
    }

    /**
     * Builds the engine and starts it on its own thread; returns at once (see {@link #awaitSourceStarted()} and
     * {@link #termination()}). No record reaches the pipeline before {@link #startPolling()}.
     */
    @Override
    public synchronized void start(Pipeline pipeline, ColumnPolicy columnPolicy) {
        if (engine != null) {
            throw new IllegalStateException("the engine runs already");
        }
        this.pipeline = pipeline;
        PostgresOffsetBackingStore.register(
                offsetStoreId,
                new PostgresOffsetBackingStore.Target(
                        config.source().postgres().asSourceDatabase(),
                        config.offsets().schema(),
                        config.source().slot()));
        engine = DebeziumEngine.create(ChangeEventFormat.of(io.debezium.embedded.Connect.class))
                .using(DebeziumProperties.from(config, offsetStoreId))
                .notifying(new ChangeBatchDecoder(columnPolicy, pipeline))
                .using(new DebeziumEngine.ConnectorCallback() {
                    @Override
                    public void taskStarted() {
                        streaming = true;
                        LOG.info("streaming from slot {}", config.source().slot());
                        sourceStarted.complete(null);
                    }

                    @Override
                    public void pollingStarted() {
                        awaitPollingAllowed(); // runs on the engine's thread, before it polls the first record
                    }

                    @Override
                    public void taskStopped() {
                        streaming = false;
                    }
                })
                .using((success, message, error) -> {
                    streaming = false;
                    sourceStarted.completeExceptionally(
                            new IllegalStateException("the engine stopped before streaming: " + message, error));
                    if (success || stopRequested) {
                        LOG.info("engine stopped: {}", message);
                        terminated.complete(null);
                    } else {
                        LOG.error("engine failed: {}", message, error);
                        terminated.completeExceptionally(error != null ? error : new IllegalStateException(message));
                    }
                })
                .build();
        engineThread.execute(engine);
    }

    /**
     * Blocks until the connector's task has started: the slot exists (created at its consistent point on a
     * first start) and the stream's start point is fixed. Throws the engine's error if it stopped first.
     */
    @Override
    public void awaitSourceStarted() throws InterruptedException {
        try {
            sourceStarted.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
        }
    }

    /** Lets the engine hand records to the pipeline; call once every sink has started. */
    @Override
    public void startPolling() {
        pollingAllowed.complete(null);
    }

    private void awaitPollingAllowed() {
        try {
            pollingAllowed.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted before polling", e);
        } catch (ExecutionException | CancellationException e) {
            throw new IllegalStateException("stopped before polling");
        }
    }

    /** True while the engine streams (or snapshots) from the slot. */
    @Override
    public boolean streaming() {
        return streaming;
    }

    /** Completes when the engine stopped: normally, or exceptionally with its error. */
    @Override
    public CompletableFuture<Void> termination() {
        return terminated;
    }

    /**
     * Stops gracefully: every paused sink is resumed, the batch in flight and any batch the engine still
     * hands over are applied and acknowledged, and the engine commits their offsets as it stops. A sink stuck
     * retrying would hold that forever, so after {@link #SHUTDOWN_GRACE} the pipeline is closed (its lanes
     * interrupted) and the batch is left uncommitted, to be replayed on restart. Safe to call more than once,
     * and before {@link #start}.
     */
    @Override
    public synchronized void close() {
        stopRequested = true;
        // An engine not yet allowed to poll has handed over nothing: it stops by itself instead of polling
        // (Debezium refuses a close while its task is still starting).
        boolean neverPolled = pollingAllowed.cancel(false);
        if (engine != null && neverPolled) {
            engine = null;
        } else if (engine != null) {
            DebeziumEngine<RecordChangeEvent<SourceRecord>> closing = engine;
            Pipeline stopping = pipeline;
            engine = null;
            stopping.resumeAll(); // the engine finishes the batch in hand before it stops, paused or not
            CompletableFuture<Void> closed = CompletableFuture.runAsync(() -> {
                try {
                    stopping.finishInFlight();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException e) {
                    LOG.warn("the batch in flight failed while stopping; it is replayed on restart: {}", e.toString());
                }
                try {
                    closing.close();
                } catch (Exception e) {
                    LOG.warn("engine did not close cleanly: {}", e.toString());
                }
            });
            try {
                closed.get(SHUTDOWN_GRACE.toSeconds(), TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                LOG.warn(
                        "the batch in hand was not applied within {} s; stopping without committing it (it is replayed on restart)",
                        SHUTDOWN_GRACE.toSeconds());
                stopping.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException e) {
                LOG.warn("engine did not close cleanly: {}", e.toString());
            }
        }
        engineThread.shutdown();
        try {
            if (!engineThread.awaitTermination(SHUTDOWN_GRACE.toSeconds(), TimeUnit.SECONDS)) {
                LOG.warn("engine thread still running after {} s", SHUTDOWN_GRACE.toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        PostgresOffsetBackingStore.unregister(offsetStoreId);
        terminated.complete(null);
    }
}
