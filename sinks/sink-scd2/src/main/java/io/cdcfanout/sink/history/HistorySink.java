package io.cdcfanout.sink.history;

import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.Operation;
import io.cdcfanout.schema.RowJson;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.ApplyResult;
import io.cdcfanout.sink.ChangeBatch;
import io.cdcfanout.sink.HistoryReader;
import io.cdcfanout.sink.HistoryVersion;
import io.cdcfanout.sink.RebuildableSink;
import io.cdcfanout.sink.Rejection;
import io.cdcfanout.sink.RetryableSinkException;
import io.cdcfanout.sink.Sink;
import io.cdcfanout.sink.SinkContext;
import io.cdcfanout.sink.SourceDatabase;
import io.cdcfanout.sink.jdbc.ChunkedTableReader.ChunkRow;
import io.cdcfanout.sink.jdbc.ReconnectingConnection;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SCD type-2 history sink: keeps, per source table, a history table of every committed version
 * of every row (see {@link VersionPlanner} for the rules), and reads it back as a {@link HistoryReader}.
 *
 * <p>{@link #start()} looks up the source tables' key columns in the source's catalog and creates the
 * history tables if absent. {@link #apply(ChangeBatch)} writes a whole batch in one transaction. A
 * transient database failure (lost connection, serialization failure, deadlock) rolls it back and is
 * thrown as {@link RetryableSinkException}; the next call reconnects. A permanent failure rolls it back
 * and the batch is applied again key by key, rejecting the changes of the keys the database refuses.
 * A permanent failure outside any key (a TRUNCATE's sweep) cannot be isolated and is thrown as
 * retryable too: skipping it would corrupt history, so the sink stays not-ready until someone fixes it.
 *
 * <p>A rebuild ({@link RebuildableSink}) reconciles instead of replacing: history is never deleted, a row that
 * differs from its key's current version opens a version, a live key whose row is gone gets a deletion version
 * ({@link ReconcilePlanner}, {@link HistoryReconciliation}).
 *
 * <p>Not thread-safe for {@code apply} (the pipeline calls it from one thread); the reader methods may be
 * called from any thread once the sink has started.
 */
public final class HistorySink implements Sink, HistoryReader, RebuildableSink {

    private static final Logger LOG = LoggerFactory.getLogger(HistorySink.class);

    private final String name;
    private final Scd2SinkConfig config;
    private final SinkContext context;
    private final SourceDatabase historyDatabase;
    private final HistoryMetrics metrics;
    private final String applicationName;
    private volatile Map<TableId, HistoryWriter> writers;
    private volatile HistoryTableReader reader;
    private final ReconnectingConnection connection;
    /** For a rebuild's look-ups of rows it did not read; auto-commit, so each sees the newest state. */
    private final ReconnectingConnection sourceConnection;

    private final Map<TableId, HistoryReconciliation> reconciling = new ConcurrentHashMap<>();

    HistorySink(String name, Scd2SinkConfig config, SinkContext context) {
        this.name = name;
        this.config = config;
        this.context = context;
        this.historyDatabase = config.jdbcUrl() == null
                ? context.source()
                : new SourceDatabase(config.jdbcUrl(), config.user(), config.password(), null);
        this.metrics = new HistoryMetrics(context.meters(), name);
        this.applicationName = "cdc-fanout-" + name;
        this.connection = new ReconnectingConnection(historyDatabase, applicationName, false);
        this.sourceConnection = new ReconnectingConnection(context.source(), applicationName + "-rebuild", true);
    }

    @Override
    public void start() throws RetryableSinkException {
        Map<TableId, HistoryTable> tables = new LinkedHashMap<>();
        try (Connection source = context.source().connect(applicationName)) {
            for (TableId table : config.sourceTables()) {
                tables.put(
                        table,
                        new HistoryTable(config.historyTableOf(table), table, SourceKeyColumns.lookUp(source, table)));
            }
        } catch (SQLException e) {
            throw retryableOrFail("cannot read the key columns from the source database " + context.source(), e);
        }
        try {
            Connection c = connection();
            try (Statement s = c.createStatement()) {
                // Concurrent CREATE ... IF NOT EXISTS can still collide in the catalog (several sink-connector
                // tasks start at once): one creator at a time, until this transaction ends.
                s.execute("SELECT pg_advisory_xact_lock(hashtext('cdc_fanout.history_ddl'))");
                for (HistoryTable table : tables.values()) {
                    for (String ddl : table.tableDdl()) {
                        s.execute(ddl);
                    }
                    HistoryTableVerifier.verify(c, table);
                    for (String ddl : table.indexDdl()) {
                        s.execute(ddl);
                    }
                }
            }
            c.commit();
        } catch (SQLException | RuntimeException e) {
            rollbackAndDrop();
            if (e instanceof SQLException sql) {
                throw retryableOrFail("cannot create the history tables in " + historyDatabase, sql);
            }
            throw (RuntimeException) e;
        }
        Map<TableId, HistoryWriter> created = new LinkedHashMap<>();
        tables.forEach((table, history) -> created.put(table, new HistoryWriter(history)));
        writers = created;
        reconciling.clear();
        HistoryTableReader previous = reader;
        reader = new HistoryTableReader(historyDatabase, applicationName + "-reader", tables);
        if (previous != null) {
            previous.close();
        }
        LOG.info(
                "history sink {} started: {}",
                name,
                tables.values().stream()
                        .map(t -> t.source() + " -> " + t.name())
                        .toList());
    }

    @Override
    public ApplyResult apply(ChangeBatch batch) throws RetryableSinkException {
        Map<TableId, HistoryWriter> writers = this.writers;
        if (writers == null) {
            throw new IllegalStateException("history sink " + name + " applied before start()");
        }
        if (batch.isEmpty()) {
            return ApplyResult.allApplied();
        }
        List<Rejection> rejections = new ArrayList<>();
        Map<TableId, List<ChangeEvent>> byTable = acceptedByTable(batch, writers, rejections);
        reconciling.forEach((table, reconciliation) -> {
            List<ChangeEvent> events = byTable.get(table);
            if (events != null) {
                reconciliation.streamed(events);
            }
        });
        long started = System.nanoTime();
        try {
            Map<TableId, HistoryWriter.Counts> counts = write(byTable, writers, rejections);
            metrics.batchLatency().record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
            counts.forEach(metrics::recorded);
            return ApplyResult.of(rejections);
        } catch (SQLException e) {
            rollbackAndDrop();
            if (SqlErrors.isRetryable(e)) {
                throw new RetryableSinkException("history sink " + name + ": " + e.getMessage(), e);
            }
            // Outside any one key (a TRUNCATE's sweep): skipping it would corrupt history, so hold the batch.
            throw new RetryableSinkException(
                    "history sink " + name + ": the database refuses the batch for a reason no "
                            + "single change explains (" + e.getMessage() + "); it is retried until this is fixed",
                    e);
        }
    }

    private Map<TableId, HistoryWriter.Counts> write(
            Map<TableId, List<ChangeEvent>> byTable, Map<TableId, HistoryWriter> writers, List<Rejection> rejections)
            throws SQLException {
        Connection c = connection();
        Map<TableId, HistoryWriter.Counts> counts = new LinkedHashMap<>();
        List<Rejection> planned = new ArrayList<>();
        try {
            for (Map.Entry<TableId, List<ChangeEvent>> e : byTable.entrySet()) {
                counts.put(e.getKey(), writers.get(e.getKey()).apply(c, e.getValue(), planned));
            }
            c.commit();
            rejections.addAll(planned);
            return counts;
        } catch (SQLException e) {
            c.rollback();
            if (SqlErrors.isRetryable(e)) {
                throw e;
            }
            LOG.warn(
                    "history sink {}: batch refused ({}); applying it key by key to isolate the refused changes",
                    name,
                    e.getMessage());
        }
        counts.clear();
        List<Rejection> isolated = new ArrayList<>();
        try {
            for (Map.Entry<TableId, List<ChangeEvent>> e : byTable.entrySet()) {
                counts.put(e.getKey(), writers.get(e.getKey()).applyIsolatingKeys(c, e.getValue(), isolated));
            }
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw e;
        }
        rejections.addAll(isolated);
        return counts;
    }

    /**
     * The most a jsonb value can hold (Postgres' JENTRY_OFFLENMASK). A larger image is refused before it is
     * rendered: rendering would only build copies of it that a small heap may not hold, for an insert that fails.
     */
    private static final long MAX_JSONB_BYTES = (1L << 28) - 1;

    /** The batch's changes per configured table, in order; changes the sink cannot take become rejections. */
    private static Map<TableId, List<ChangeEvent>> acceptedByTable(
            ChangeBatch batch, Map<TableId, HistoryWriter> writers, List<Rejection> rejections) {
        Map<TableId, List<ChangeEvent>> byTable = new LinkedHashMap<>();
        for (ChangeEvent event : batch.events()) {
            HistoryWriter writer = writers.get(event.table());
            if (writer == null) {
                rejections.add(new Rejection(
                        event,
                        "the scd2 sink keeps no history for " + event.table() + "; it is configured for "
                                + writers.keySet()));
                continue;
            }
            if (event.op() != Operation.TRUNCATE) {
                List<String> expected = writer.table().keyColumns().stream()
                        .map(KeyColumn::name)
                        .toList();
                if (!event.key().columns().equals(expected)) {
                    rejections.add(
                            new Rejection(
                                    event,
                                    "key columns " + event.key().columns() + " do not match the key "
                                            + expected + " of history table "
                                            + writer.table().name()
                                            + " (did the primary key change? restart the sink after migrating the history table)"));
                    continue;
                }
            }
            if (event.after() != null && RowJson.minimumTextLength(event.after()) > MAX_JSONB_BYTES) {
                rejections.add(new Rejection(
                        event,
                        "the row's image is at least " + (RowJson.minimumTextLength(event.after()) >> 20)
                                + " MiB as JSON, more than a jsonb value holds (256 MiB); history keeps no"
                                + " version of this change"));
                continue;
            }
            byTable.computeIfAbsent(event.table(), t -> new ArrayList<>()).add(event);
        }
        return byTable;
    }

    private Connection connection() throws SQLException {
        return connection.get();
    }

    private void rollbackAndDrop() {
        connection.drop();
    }

    /** The exception to throw for a transient failure; a permanent one is thrown right here, unchecked. */
    private RetryableSinkException retryableOrFail(String what, SQLException e) {
        if (SqlErrors.isRetryable(e)) {
            return new RetryableSinkException("history sink " + name + ": " + what + ": " + e.getMessage(), e);
        }
        throw new IllegalStateException("history sink " + name + ": " + what + ": " + e.getMessage(), e);
    }

    @Override
    public void beginRebuild(TableId table) {
        reconciling.put(table, new HistoryReconciliation(writer(table)));
        LOG.info(
                "history sink {}: reconciling {} with {}",
                name,
                writer(table).table().name(),
                table);
    }

    @Override
    public String rebuildTarget(TableId table) {
        return reconciling.containsKey(table) ? writer(table).table().name().toString() : null;
    }

    /** History is reconciled in place, so a reconciliation resumes wherever it was: the stream's keys start anew. */
    @Override
    public boolean resumeRebuild(TableId table, String target) {
        if (!writer(table).table().name().toString().equals(target)) {
            return false;
        }
        reconciling.put(table, new HistoryReconciliation(writer(table)));
        LOG.info("history sink {}: resuming the reconciliation of {}", name, target);
        return true;
    }

    @Override
    public boolean wantsChunksAfterTheStream() {
        return true;
    }

    @Override
    public List<Rejection> backfill(TableId table, List<ChunkRow> rows, boolean endOfTable)
            throws RetryableSinkException {
        HistoryReconciliation reconciliation = reconciliation(table);
        try {
            Connection c = connection();
            try {
                HistoryWriter.Counts counts = reconciliation.backfill(
                        c,
                        sourceConnection.get(),
                        rows,
                        endOfTable,
                        context.clock().instant());
                c.commit();
                metrics.recorded(table, counts);
                return List.of(); // a history table holds any row its source table holds
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            rollbackAndDrop();
            sourceConnection.drop();
            throw retryableOrFail("reconcile " + table + " with its rows", e);
        }
    }

    @Override
    public void finishRebuild(TableId table) {
        HistoryReconciliation reconciliation = reconciling.remove(table);
        if (reconciliation != null) {
            LOG.info(
                    "history sink {}: reconciled {}: {} version(s) for rows that differed, {} deletion version(s)",
                    name,
                    table,
                    reconciliation.versionsOpened(),
                    reconciliation.deletionsOpened());
        }
    }

    @Override
    public void cancelRebuild(TableId table) {
        reconciling.remove(table);
    }

    private HistoryReconciliation reconciliation(TableId table) {
        HistoryReconciliation reconciliation = reconciling.get(table);
        if (reconciliation == null) {
            throw new IllegalStateException(
                    "history sink " + name + ": backfill of " + table + " without beginRebuild");
        }
        return reconciliation;
    }

    private HistoryWriter writer(TableId table) {
        Map<TableId, HistoryWriter> current = writers;
        HistoryWriter writer = current == null ? null : current.get(table);
        if (writer == null) {
            throw new IllegalArgumentException("history sink " + name + " keeps no history for " + table);
        }
        return writer;
    }

    @Override
    public boolean serves(TableId table) {
        return config.sourceTables().contains(table);
    }

    @Override
    public List<String> keyColumns(TableId table) {
        return reader().keyColumns(table);
    }

    @Override
    public List<HistoryVersion> versions(TableId table, Map<String, String> key) {
        return reader().versions(table, key);
    }

    @Override
    public Optional<HistoryVersion> asOf(TableId table, Map<String, String> key, Instant instant) {
        return reader().asOf(table, key, instant);
    }

    private HistoryTableReader reader() {
        HistoryTableReader current = reader;
        if (current == null) {
            throw new IllegalStateException("history sink " + name + " has not started yet");
        }
        return current;
    }

    @Override
    public void close() {
        rollbackAndDrop();
        sourceConnection.close();
        HistoryTableReader current = reader;
        if (current != null) {
            current.close();
        }
    }
}
