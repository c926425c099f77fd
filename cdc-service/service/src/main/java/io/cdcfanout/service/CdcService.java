package io.cdcfanout.service;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.RowJson;
import io.cdcfanout.service.config.ServiceConfig;
import io.cdcfanout.service.engine.DebeziumProperties;
import io.cdcfanout.service.engine.PostgresOffsetBackingStore;
import io.cdcfanout.service.engine.StartupChecks;
import io.cdcfanout.service.http.HttpApi;
import io.cdcfanout.service.http.ServiceView;
import io.cdcfanout.service.pipeline.Pipeline;
import io.cdcfanout.service.pipeline.Pipelines;
import io.cdcfanout.service.pipeline.SinkStatus;
import io.cdcfanout.sink.HistoryReader;
import io.cdcfanout.sink.LatestRowReader;
import io.cdcfanout.sink.SinkContext;
import io.cdcfanout.sink.SinkRegistry;
import io.cdcfanout.sink.SourceDatabase;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running sidecar: checks the source, starts the sinks, the HTTP API and the embedded Debezium
 * engine, and stops them in the reverse order. {@link #start} returns once streaming has been
 * started; {@link #awaitTermination()} waits until the engine stops (by {@link #close()} or an error).
 */
public final class CdcService implements AutoCloseable, ServiceView {

    private static final Logger LOG = LoggerFactory.getLogger(CdcService.class);
    private static final java.time.Duration SHUTDOWN_GRACE = java.time.Duration.ofSeconds(20);

    private final ServiceConfig config;
    private final SourceDatabase source;
    private final PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final String offsetStoreId = UUID.randomUUID().toString();
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    private final ExecutorService engineThread = Executors.newSingleThreadExecutor(r -> new Thread(r, "debezium-engine"));
    private final ScheduledExecutorService lagPoller = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "slot-lag");
        t.setDaemon(true);
        return t;
    });
    private final AtomicLong slotLagBytes = new AtomicLong(-1);
    private volatile String slotConfirmedFlushLsn;
    private volatile boolean streaming;
    private Pipeline pipeline;
    private HttpApi http;
    private DebeziumEngine<RecordChangeEvent<SourceRecord>> engine;
    private int httpPort;

    private CdcService(ServiceConfig config) {
        this.config = config;
        this.source = config.source().postgres().asSourceDatabase();
    }

    /** Checks the source, starts sinks, HTTP and the engine. Sinks whose backend is down are waited for. */
    public static CdcService start(ServiceConfig config) throws InterruptedException {
        CdcService service = new CdcService(config);
        try {
            service.startAll();
            return service;
        } catch (RuntimeException | InterruptedException e) {
            service.close();
            throw e;
        }
    }

    private void startAll() throws InterruptedException {
        new StartupChecks(config).run();
        pipeline = Pipelines.create(config, SinkRegistry.load(), new SinkContext(source, meters, Clock.systemUTC()));
        http = new HttpApi(config.http(), this);
        httpPort = http.start();
        LOG.info("HTTP API on http://{}:{}", config.http().host(), httpPort);
        Gauge.builder("cdc_slot_lag_bytes", slotLagBytes, AtomicLong::get)
                .description("WAL the replication slot retains beyond what every sink confirmed").register(meters);
        lagPoller.scheduleWithFixedDelay(this::pollSlotLag, 0, 5, TimeUnit.SECONDS);
        Pipelines.startSinks(pipeline);

        PostgresOffsetBackingStore.register(offsetStoreId,
                new PostgresOffsetBackingStore.Target(source, config.offsets().schema(), config.source().slot()));
        engine = DebeziumEngine.create(ChangeEventFormat.of(io.debezium.embedded.Connect.class))
                .using(DebeziumProperties.from(config, offsetStoreId))
                .notifying(pipeline)
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

    /** Blocks until the engine stops; throws its error if it failed. */
    public void awaitTermination() throws Exception {
        try {
            terminated.get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw (Exception) (e.getCause() instanceof Exception ex ? ex : new IllegalStateException(e.getCause()));
        }
    }

    public CompletableFuture<Void> termination() {
        return terminated;
    }

    public int httpPort() {
        return httpPort;
    }

    private void pollSlotLag() {
        try (Connection c = source.connect("cdc-fanout slot lag");
             PreparedStatement ps = c.prepareStatement("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint, "
                     + "confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, config.source().slot());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    slotLagBytes.set(rs.getLong(1));
                    slotConfirmedFlushLsn = rs.getString(2);
                }
            }
        } catch (SQLException e) {
            LOG.debug("cannot read slot lag: {}", e.getMessage());
        }
    }

    @Override
    public boolean streaming() {
        return streaming;
    }

    @Override
    public List<SinkStatus> sinkStatuses() {
        return pipeline == null ? List.of() : pipeline.statuses();
    }

    @Override
    public ObjectNode sourceStatus() {
        ObjectNode n = RowJson.MAPPER.createObjectNode();
        n.put("slot", config.source().slot());
        n.put("publication", config.source().publication());
        n.put("streaming", streaming);
        n.put("received_lsn", pipeline == null ? null : pipeline.receivedLsn().toString());
        n.put("slot_confirmed_flush_lsn", slotConfirmedFlushLsn);
        n.put("slot_lag_bytes", slotLagBytes.get());
        return n;
    }

    @Override
    public List<LatestRowReader> rowReaders() {
        return pipeline == null ? List.of() : pipeline.sinks().stream()
                .filter(LatestRowReader.class::isInstance).map(LatestRowReader.class::cast).toList();
    }

    @Override
    public List<HistoryReader> historyReaders() {
        return pipeline == null ? List.of() : pipeline.sinks().stream()
                .filter(HistoryReader.class::isInstance).map(HistoryReader.class::cast).toList();
    }

    @Override
    public Lsn fence() throws SQLException {
        // A committed transactional message: the commit flushes the WAL (walsenders only send flushed
        // WAL, and Postgres 15 never flushes a non-transactional message by itself), also when the
        // server runs with synchronous_commit=off.
        try (Connection c = source.connect("cdc-fanout fence")) {
            c.setAutoCommit(false);
            try (var s = c.createStatement()) {
                s.execute("SET LOCAL synchronous_commit = on");
            }
            Lsn lsn;
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_logical_emit_message(true, ?, '')::text")) {
                ps.setString(1, DebeziumProperties.FENCE_MESSAGE_PREFIX);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    lsn = Lsn.parse(rs.getString(1));
                }
            }
            c.commit();
            return lsn;
        }
    }

    @Override
    public Optional<SinkStatus> pauseSink(String name) {
        return pipeline == null ? Optional.empty() : pipeline.pause(name);
    }

    @Override
    public Optional<SinkStatus> resumeSink(String name) {
        return pipeline == null ? Optional.empty() : pipeline.resume(name);
    }

    @Override
    public String scrapeMetrics() {
        return meters.scrape();
    }

    /**
     * Stops gracefully: the engine finishes the batch in hand and commits its offsets, then the sinks
     * and the HTTP API close. Safe to call more than once.
     */
    @Override
    public synchronized void close() {
        if (pipeline != null) {
            pipeline.resumeAll(); // the engine finishes the batch in hand before it stops, paused or not
        }
        if (engine != null) {
            DebeziumEngine<RecordChangeEvent<SourceRecord>> closing = engine;
            engine = null;
            // The batch in flight is applied and acknowledged, and so is any batch the engine still hands over,
            // so the engine commits them all as it stops. A sink stuck retrying would hold that forever, so after
            // a grace period the lanes are interrupted and the batch is left uncommitted.
            Pipeline stopping = pipeline;
            CompletableFuture<Void> closed = CompletableFuture.runAsync(() -> {
                try {
                    if (stopping != null) {
                        stopping.finishInFlight();
                    }
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
            } catch (java.util.concurrent.TimeoutException e) {
                LOG.warn("the batch in hand was not applied within {} s; stopping without committing it (it is replayed on restart)",
                        SHUTDOWN_GRACE.toSeconds());
                if (pipeline != null) {
                    pipeline.close();
                }
            } catch (Exception e) {
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
        lagPoller.shutdownNow();
        if (pipeline != null) {
            pipeline.close();
        }
        if (http != null) {
            http.close();
        }
        PostgresOffsetBackingStore.unregister(offsetStoreId);
        terminated.complete(null);
    }
}
