package io.cdcfanout.service.engine;

import io.cdcfanout.service.config.ServiceConfig;
import io.cdcfanout.service.pipeline.Pipeline;
import io.cdcfanout.service.privacy.ColumnPolicy;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import java.time.Duration;
import java.util.UUID;
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
 */
public final class EngineLifecycle implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EngineLifecycle.class);

    /** How long a graceful stop waits for the batch in hand before leaving it uncommitted. */
    static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(20);

    private final ServiceConfig config;
    private final String offsetStoreId = UUID.randomUUID().toString();
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    private final ExecutorService engineThread = Executors.newSingleThreadExecutor(r -> new Thread(r, "debezium-engine"));
    private volatile boolean streaming;
    private Pipeline pipeline;
    private DebeziumEngine<RecordChangeEvent<SourceRecord>> engine;

    public EngineLifecycle(ServiceConfig config) {
        this.config = config;
    }

    /** Builds the engine and starts it on its own thread; returns at once (see {@link #termination()}). */
    public synchronized void start(Pipeline pipeline, ColumnPolicy columnPolicy) {
        if (engine != null) {
            throw new IllegalStateException("the engine runs already");
        }
        this.pipeline = pipeline;
        PostgresOffsetBackingStore.register(offsetStoreId, new PostgresOffsetBackingStore.Target(
                config.source().postgres().asSourceDatabase(), config.offsets().schema(), config.source().slot()));
        engine = DebeziumEngine.create(ChangeEventFormat.of(io.debezium.embedded.Connect.class))
                .using(DebeziumProperties.from(config, offsetStoreId))
                .notifying(new ChangeBatchDecoder(columnPolicy, pipeline))
                .using(new DebeziumEngine.ConnectorCallback() {
                    @Override
                    public void taskStarted() {
                        streaming = true;
                        LOG.info("streaming from slot {}", config.source().slot());
                    }

                    @Override
                    public void taskStopped() {
                        streaming = false;
                    }
                })
                .using((success, message, error) -> {
                    streaming = false;
                    if (success) {
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

    /** True while the engine streams (or snapshots) from the slot. */
    public boolean streaming() {
        return streaming;
    }

    /** Completes when the engine stopped: normally, or exceptionally with its error. */
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
        if (engine != null) {
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
                LOG.warn("the batch in hand was not applied within {} s; stopping without committing it (it is replayed on restart)",
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
