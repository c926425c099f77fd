package io.cdcfanout.service;

import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.service.config.ServiceConfig;
import io.cdcfanout.service.engine.EngineLifecycle;
import io.cdcfanout.service.engine.StartupChecks;
import io.cdcfanout.service.http.HttpApi;
import io.cdcfanout.service.http.ServiceView;
import io.cdcfanout.service.http.SourceStatus;
import io.cdcfanout.service.pipeline.AddedTablesPlan;
import io.cdcfanout.service.pipeline.LagWatch;
import io.cdcfanout.service.pipeline.Pipeline;
import io.cdcfanout.service.pipeline.Pipelines;
import io.cdcfanout.service.pipeline.RebuildOptions;
import io.cdcfanout.service.pipeline.RebuildProgress;
import io.cdcfanout.service.pipeline.RebuildStatus;
import io.cdcfanout.service.pipeline.Rebuilds;
import io.cdcfanout.service.pipeline.SinkStatus;
import io.cdcfanout.service.pipeline.SinkTables;
import io.cdcfanout.service.privacy.ColumnPolicy;
import io.cdcfanout.service.source.ChangeSource;
import io.cdcfanout.service.source.SlotLagMonitor;
import io.cdcfanout.service.source.WalFence;
import io.cdcfanout.service.source.kafka.KafkaChangeSource;
import io.cdcfanout.sink.HistoryReader;
import io.cdcfanout.sink.LatestRowReader;
import io.cdcfanout.sink.Sink;
import io.cdcfanout.sink.SinkContext;
import io.cdcfanout.sink.SourceDatabase;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running sidecar, composed of its parts: the {@link Pipeline} of sinks, the {@link ChangeSource} that
 * feeds it (the embedded engine, {@link EngineLifecycle}, or with {@code source.kafka} the topic a Kafka Connect
 * connector writes, {@link KafkaChangeSource}), the {@link SlotLagMonitor} (slot mode only), the {@link WalFence}
 * and the {@link HttpApi}. {@link #start}
 * checks the source, starts the engine's task (which fixes where the stream begins, creating the slot on a
 * first start), then the sinks, then lets the engine hand over records, and returns; {@link #awaitTermination()}
 * waits until the engine stops (by {@link #close()} or an error). {@link #close()} stops them in reverse order.
 */
public final class CdcService implements AutoCloseable, ServiceView {

    private static final Logger LOG = LoggerFactory.getLogger(CdcService.class);

    private final ServiceConfig config;
    private final SourceDatabase source;
    private final PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final boolean resnapshotAsked;
    private volatile ChangeSource engine;
    private final WalFence fence;
    private SlotLagMonitor slotLag;
    private Pipeline pipeline;
    private Rebuilds rebuilds;
    private LagWatch lagWatch;
    private volatile boolean sinksStarted;
    private HttpApi http;
    private int httpPort;

    private CdcService(ServiceConfig config, boolean resnapshotAsked) {
        this.config = config;
        this.resnapshotAsked = resnapshotAsked;
        this.source = config.source().postgres().asSourceDatabase();
        this.fence = new WalFence(source);
    }

    /**
     * Checks the source, starts HTTP, the engine's task, the sinks, then lets the engine hand over records.
     * Sinks whose backend is down are waited for.
     */
    public static CdcService start(ServiceConfig config) throws InterruptedException {
        return start(config, false);
    }

    /**
     * As {@link #start(ServiceConfig)}; with {@code resnapshot} (the CLI's {@code run --resnapshot}) the slot and the
     * offsets are dropped first, and every sink is rebuilt from the tables while a fresh slot streams.
     */
    public static CdcService start(ServiceConfig config, boolean resnapshot) throws InterruptedException {
        CdcService service = new CdcService(config, resnapshot);
        try {
            service.startAll();
            return service;
        } catch (RuntimeException | InterruptedException e) {
            service.close();
            throw e;
        }
    }

    private void startAll() throws InterruptedException {
        boolean resnapshot = new StartupChecks(config, resnapshotAsked).run();
        // A re-snapshot streams from the fresh slot without Debezium's snapshot (its rows would be versioned below
        // everything the sinks hold, and lose): the sinks are rebuilt instead.
        ServiceConfig engineConfig =
                resnapshot ? config.withSource(config.source().withoutInitialSnapshot()) : config;
        engine = config.source().fromKafka() ? new KafkaChangeSource(config) : new EngineLifecycle(engineConfig);
        ColumnPolicy columnPolicy = ColumnPolicy.from(config.source());
        pipeline = Pipelines.create(config, columnPolicy, new SinkContext(source, meters, Clock.systemUTC()));
        rebuilds = new Rebuilds(pipeline, source, columnPolicy, meters, Clock.systemUTC(), fence);
        http = new HttpApi(config.http(), this, meters);
        httpPort = http.start();
        LOG.info("HTTP API on http://{}:{}", config.http().host(), httpPort);
        if (engine instanceof KafkaChangeSource topic) { // the slot is the connector's, watched where it runs
            Gauge.builder("cdc.kafka.lag.records", topic, t -> t.status().lagRecords())
                    .description("records in the topic not yet applied by every sink; -1 until known")
                    .register(meters);
        } else {
            slotLag = new SlotLagMonitor(source, config.source().slot(), meters);
            slotLag.start();
        }
        // The stream's start point is fixed before any sink starts: from the stored offsets, or on a first
        // start at the consistent point of the slot the engine creates (with Debezium's own exported snapshot
        // for its initial snapshot). The cache's load snapshot is taken after that point, so a transaction the
        // load does not see commits after it and is streamed; those the load saw are filtered out by it.
        engine.start(pipeline, columnPolicy);
        engine.awaitSourceStarted();
        Pipelines.startSinks(pipeline);
        try { // before the first batch: a resumed rebuild's new view must miss no change
            RebuildProgress progress =
                    new RebuildProgress(source, config.offsets().schema(), instance());
            if (resnapshot) { // recorded before the fresh slot's offsets can be committed: a restart still rebuilds
                for (var sink : rebuilds.configuredSinks().entrySet()) {
                    if (sink.getValue().backfill() == AddedTablesPlan.Backfill.REBUILD) {
                        LOG.warn(
                                "re-snapshot: rebuilding sink {} ({} table(s))",
                                sink.getKey(),
                                sink.getValue().tables().size());
                        for (TableId table : sink.getValue().tables()) {
                            progress.owe(sink.getKey(), table);
                        }
                    }
                }
            }
            rebuilds.resumeFrom(progress);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(
                    "cannot read " + config.offsets().schema() + ".rebuilds: " + e.getMessage(), e);
        }
        sinksStarted = true;
        engine.startPolling();
        lagWatch = new LagWatch(pipeline, () -> slotLag == null ? null : slotLag.currentWalLsn(), rebuilds);
        lagWatch.start();
        backfillAddedTables();
    }

    /**
     * Compares the tables each sink is configured for with the ones it was fed before: a table added to a sink
     * is rebuilt for that sink alone (its existing rows would otherwise never reach it, since the stream only
     * carries changes), and registered once done; a removed one is reported once.
     */
    private void backfillAddedTables() {
        String instance = config.source().fromKafka()
                ? config.source().kafka().instance()
                : config.source().slot();
        SinkTables registry = new SinkTables(source, config.offsets().schema(), instance);
        try {
            AddedTablesPlan plan = AddedTablesPlan.of(registry.load(), rebuilds.configuredSinks());
            for (var e : plan.register().entrySet()) {
                registry.register(e.getKey(), e.getValue());
            }
            plan.cannotBackfill()
                    .forEach((sink, tables) -> LOG.warn(
                            "table(s) {} were added to sink {}, which cannot be backfilled: rows that existed before appear"
                                    + " there only once they change",
                            tables,
                            sink));
            for (var e : plan.removed().entrySet()) {
                LOG.warn(
                        "table(s) {} are no longer fed to sink {}; what it holds of them is left as it is",
                        e.getValue(),
                        e.getKey());
                registry.forget(e.getKey(), e.getValue());
            }
            plan.backfill().forEach((sink, tables) -> {
                for (TableId table : tables) {
                    LOG.warn(
                            "table {} was added to sink {}: rebuilding it from the table, so the rows that existed"
                                    + " before reach it too",
                            table,
                            sink);
                    rebuilds.request(sink, Optional.of(table), RebuildOptions.DEFAULTS, () -> {
                        try {
                            registry.register(sink, List.of(table));
                        } catch (java.sql.SQLException ex) {
                            LOG.error(
                                    "sink {}: could not record that {} was backfilled; it will be again: {}",
                                    sink,
                                    table,
                                    ex.getMessage());
                        }
                    });
                }
            });
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(
                    "cannot read or write " + config.offsets().schema() + ".sink_tables, which says which tables"
                            + " each sink must be backfilled with: " + e.getMessage(),
                    e);
        }
    }

    /** The name this instance keeps its state under: its slot, or with {@code source.kafka} its instance. */
    private String instance() {
        return config.source().fromKafka()
                ? config.source().kafka().instance()
                : config.source().slot();
    }

    /** Blocks until the engine stops; throws its error if it failed. */
    public void awaitTermination() throws Exception {
        try {
            engine.termination().get();
        } catch (ExecutionException e) {
            throw (Exception) (e.getCause() instanceof Exception ex ? ex : new IllegalStateException(e.getCause()));
        }
    }

    public CompletableFuture<Void> termination() {
        return engine.termination();
    }

    public int httpPort() {
        return httpPort;
    }

    @Override
    public boolean streaming() {
        return sinksStarted
                && engine != null
                && engine.streaming(); // /ready waits for the whole start-up, resumed rebuilds included
    }

    @Override
    public List<SinkStatus> sinkStatuses() {
        return pipeline == null ? List.of() : pipeline.statuses();
    }

    @Override
    public SourceStatus sourceStatus() {
        Lsn received = pipeline == null ? null : pipeline.receivedLsn();
        if (engine instanceof KafkaChangeSource topic) {
            return SourceStatus.ofTopic(engine.streaming(), received, topic.status());
        }
        return SourceStatus.ofSlot(
                config.source().slot(),
                config.source().publication(),
                engine.streaming(),
                received,
                slotLag == null ? null : slotLag.confirmedFlushLsn(),
                slotLag == null ? -1 : slotLag.lagBytes());
    }

    @Override
    public io.cdcfanout.sink.view.ViewCatalog viewCatalog() {
        return config.views();
    }

    @Override
    public java.util.Set<String> viewsOf(String sink) {
        var bound = config.sinks().get(sink);
        return bound == null ? java.util.Set.of() : bound.config().views();
    }

    @Override
    public List<LatestRowReader> rowReaders() {
        return pipeline == null
                ? List.of()
                : pipeline.sinks().stream()
                        .filter(LatestRowReader.class::isInstance)
                        .map(LatestRowReader.class::cast)
                        .toList();
    }

    @Override
    public List<HistoryReader> historyReaders() {
        return pipeline == null
                ? List.of()
                : pipeline.sinks().stream()
                        .filter(HistoryReader.class::isInstance)
                        .map(HistoryReader.class::cast)
                        .toList();
    }

    @Override
    public List<Sink> sinks() {
        return pipeline == null ? List.of() : pipeline.sinks();
    }

    @Override
    public Lsn fence() throws SQLException {
        return fence.write();
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
    public List<RebuildStatus> rebuild(String sink, Optional<TableId> table, RebuildOptions options) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (!sinksStarted && System.nanoTime() < deadline) { // /ready may answer a moment before
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (!sinksStarted) {
            throw new IllegalStateException(
                    "the sinks are still starting; ask for the rebuild once /ready answers 200");
        }
        return rebuilds.request(sink, table, options);
    }

    @Override
    public List<RebuildStatus> cancelRebuild(String sink, Optional<TableId> table) {
        if (rebuilds == null) {
            throw new IllegalStateException("the service is still starting");
        }
        return rebuilds.cancel(sink, table);
    }

    @Override
    public List<RebuildStatus> rebuildStatuses(String sink) {
        return rebuilds == null ? List.of() : rebuilds.statuses(sink);
    }

    @Override
    public String scrapeMetrics() {
        return meters.scrape();
    }

    /**
     * Stops gracefully: the engine finishes the batch in hand and commits its offsets
     * ({@link ChangeSource#close()}), then the slot monitor, the sinks, the HTTP API and the fence close.
     * Safe to call more than once.
     */
    @Override
    public synchronized void close() {
        if (lagWatch != null) {
            lagWatch.close();
        }
        if (engine != null) {
            engine.close();
        }
        if (slotLag != null) {
            slotLag.close();
        }
        if (rebuilds != null) {
            rebuilds.close();
        }
        if (pipeline != null) {
            pipeline.close();
        }
        if (http != null) {
            http.close();
        }
        fence.close();
    }
}
