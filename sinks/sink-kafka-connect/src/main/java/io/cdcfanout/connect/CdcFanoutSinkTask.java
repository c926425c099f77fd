package io.cdcfanout.connect;

import io.cdcfanout.converter.RecordConverter;
import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.sink.ApplyResult;
import io.cdcfanout.sink.BoundSink;
import io.cdcfanout.sink.ChangeBatch;
import io.cdcfanout.sink.Rejection;
import io.cdcfanout.sink.RetryableSinkException;
import io.cdcfanout.sink.Sink;
import io.cdcfanout.sink.SinkContext;
import io.cdcfanout.sink.SinkRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies Debezium's Postgres change topics to the configured cdc-fanout sinks (Elasticsearch, SCD2 history).
 *
 * <p>Lifecycle, driven by the Connect worker from one thread:
 * <ol>
 *   <li>{@link #start(Map)} validates the configuration and creates the sinks; nothing connects yet.</li>
 *   <li>{@link #open(Collection)} hands the task its partitions (keyed by primary key, so every row's changes are
 *       in one partition, in commit order).</li>
 *   <li>{@link #put(Collection)} is called with the records read since the last call, from any of its partitions.
 *       The first call connects: it starts every sink and prepares the TRUNCATE log. Then, once per batch:
 *       <ol type="a">
 *         <li>each record is converted ({@link RecordConverter}); records that are no change (heartbeats,
 *             transaction markers, Kafka tombstones) only advance the offsets; a record that cannot be decoded
 *             goes to the dead-letter queue;</li>
 *         <li>the changes are sorted into LSN order ({@link ChangeOrder}: that keeps each key's commit order and
 *             puts a TRUNCATE where it was relative to every key of its table);</li>
 *         <li>the TRUNCATE log is read: TRUNCATEs that other tasks applied above a change of this batch are merged
 *             into it, so this batch's older changes are truncated again in order;</li>
 *         <li>the batch's own TRUNCATEs are recorded in the log, and only then applied;</li>
 *         <li>the batch goes to every sink (each gets its own tables' changes) and is durable when {@code apply}
 *             returns; changes a sink refuses for good go to the errant-record reporter;</li>
 *         <li>the log is read again, and TRUNCATEs recorded meanwhile above a change of the batch are applied now.
 *             This closes the race with a task that applies a TRUNCATE at the same time: either its entry was
 *             committed before this read, and this task truncates its own older changes again, or it was not, and
 *             then this batch was durable before that task even recorded the TRUNCATE, so that task's sweep, which
 *             follows its recording, finds and removes them;</li>
 *         <li>{@code put} returns once all of that is durable and every dead letter is written; only then do its
 *             records count as applied for {@link #preCommit}.</li>
 *       </ol>
 *       A transient failure (a backend unreachable, overloaded, a serialization failure) sets
 *       {@code context.timeout(backoff)} and throws {@link RetriableException}; Connect then delivers the same
 *       records again after the backoff (100 ms doubling to {@value CdcFanoutSinkConnectorConfig#RETRY_BACKOFF_MAX_MS},
 *       with jitter). There is no retry loop inside {@code put}; sinks that applied the batch before the failure are
 *       not given it again, the others are (the sinks are idempotent). Anything else fails the task with the
 *       reason.</li>
 *   <li>{@link #preCommit(Map)} returns, per partition, only the offsets of records a {@code put} has applied
 *       ({@link AppliedOffsets}); Connect commits those. After a crash the uncommitted records come again and the
 *       sinks absorb the repeat: their writes are versioned by LSN.</li>
 *   <li>{@link #close(Collection)} forgets partitions taken away in a rebalance.</li>
 *   <li>{@link #stop()} closes the sinks and the log.</li>
 * </ol>
 */
public final class CdcFanoutSinkTask extends SinkTask {

    private static final Logger LOG = LoggerFactory.getLogger(CdcFanoutSinkTask.class);

    private final RecordConverter converter = new RecordConverter();
    private final AppliedOffsets offsets = new AppliedOffsets();
    private final Map<String, Sink> sinks = new LinkedHashMap<>();
    private final Map<String, BoundSink<?>> bound = new LinkedHashMap<>();
    private final Set<String> started = new HashSet<>();
    private CdcFanoutSinkConnectorConfig config;
    private TruncateLog truncateLog;
    private boolean logPrepared;
    private Backoff backoff;
    private ErrantRecords errant;
    private Pending pending;

    /** The batch in hand while Connect redelivers it after a transient failure. */
    private static final class Pending {
        final BatchId id;
        final List<ChangeEvent> batch;
        final RecordTrace trace;
        final Set<String> sinksDone = new HashSet<>();
        boolean truncatesLogged;

        Pending(BatchId id, List<ChangeEvent> batch, RecordTrace trace) {
            this.id = id;
            this.batch = batch;
            this.trace = trace;
        }
    }

    /** Identifies a redelivered batch: Connect hands back the very same records. */
    private record BatchId(String first, String last, int size) {
        static BatchId of(List<SinkRecord> records) {
            return new BatchId(where(records.get(0)), where(records.get(records.size() - 1)), records.size());
        }

        private static String where(SinkRecord r) {
            return r.originalTopic() + "-" + r.originalKafkaPartition() + "@" + r.originalKafkaOffset();
        }
    }

    @Override
    public String version() {
        return CdcFanoutSinkConnector.VERSION;
    }

    @Override
    public void start(Map<String, String> props) {
        config = CdcFanoutSinkConnectorConfig.parse(props, SinkRegistry.load());
        backoff = new Backoff(
                config.maxBackoff(), () -> ThreadLocalRandom.current().nextDouble());
        SinkContext sinkContext = new SinkContext(config.source(), new SimpleMeterRegistry(), Clock.systemUTC());
        config.sinks().forEach((name, sink) -> {
            bound.put(name, sink);
            sinks.put(name, sink.create(sinkContext));
        });
        truncateLog = new TruncateLog(config.source(), config.stateSchema(), config.connectorName());
        errant = new ErrantRecords(reporter());
        LOG.info("cdc-fanout sink task started with sinks {}", bound.keySet());
    }

    private ErrantRecordReporter reporter() {
        try {
            return context == null ? null : context.errantRecordReporter();
        } catch (NoSuchMethodError | NoClassDefFoundError e) {
            return null; // a worker older than Kafka 2.6
        }
    }

    @Override
    public void put(Collection<SinkRecord> records) {
        if (records.isEmpty()) {
            return;
        }
        List<SinkRecord> list = List.copyOf(records);
        try {
            connect();
            Pending work = pendingFor(list);
            applyBatch(work);
            errant.awaitReported();
            offsets.applied(list);
            pending = null;
            backoff.reset();
        } catch (RetryableSinkException e) {
            throw retry(e.getMessage(), e);
        } catch (SQLException e) {
            if (!isTransient(e)) {
                throw new ConnectException(
                        "the TRUNCATE log in " + config.stateSchema() + ".sink_truncates of " + config.source()
                                + " refused: " + e.getMessage() + " (check " + CdcFanoutSinkConnectorConfig.SOURCE_USER
                                + "'s privileges and " + CdcFanoutSinkConnectorConfig.STATE_SCHEMA + ")",
                        e);
            }
            throw retry("the TRUNCATE log in " + config.source() + " is unreachable: " + e.getMessage(), e);
        }
    }

    private RetriableException retry(String reason, Exception cause) {
        Duration wait = backoff.next();
        context.timeout(wait.toMillis());
        LOG.warn(
                "transient failure #{}, the batch comes again in {} ms: {}",
                backoff.failures(),
                wait.toMillis(),
                reason);
        return new RetriableException(reason, cause);
    }

    private void connect() throws RetryableSinkException, SQLException {
        for (Map.Entry<String, Sink> sink : sinks.entrySet()) {
            if (!started.contains(sink.getKey())) {
                try {
                    sink.getValue().start();
                } catch (RuntimeException e) {
                    throw new ConnectException("sink '" + sink.getKey() + "' cannot start: " + e.getMessage(), e);
                }
                started.add(sink.getKey());
            }
        }
        if (!logPrepared) {
            truncateLog.prepare();
            logPrepared = true;
        }
    }

    /** The batch in hand if Connect redelivers it, else these records converted and sorted (steps a to c). */
    private Pending pendingFor(List<SinkRecord> records) throws SQLException {
        BatchId id = BatchId.of(records);
        if (pending != null && pending.id.equals(id)) {
            return pending;
        }
        RecordTrace trace = new RecordTrace();
        List<ChangeEvent> events = new ArrayList<>(records.size());
        for (SinkRecord record : records) {
            Optional<ChangeEvent> event;
            try {
                event = converter.convert(record);
            } catch (RuntimeException e) {
                errant.report(record, "cannot decode the change: " + e);
                continue;
            }
            event.ifPresent(change -> {
                events.add(change);
                trace.add(change, record);
            });
        }
        List<ChangeEvent> sorted = ChangeOrder.inLsnOrder(events);
        List<ChangeEvent> batch =
                ChangeOrder.withTruncates(sorted, truncateLog.after(ChangeOrder.oldestRowChange(sorted)));
        pending = new Pending(id, batch, trace);
        return pending;
    }

    /** Steps d to f of the lifecycle. */
    private void applyBatch(Pending work) throws RetryableSinkException, SQLException {
        if (!work.truncatesLogged) {
            truncateLog.record(ChangeOrder.truncates(work.batch));
            work.truncatesLogged = true;
        }
        for (Map.Entry<String, Sink> sink : sinks.entrySet()) {
            if (work.sinksDone.add(sink.getKey())) {
                try {
                    apply(sink.getKey(), sink.getValue(), work.batch, work.trace);
                } catch (RetryableSinkException | RuntimeException e) {
                    work.sinksDone.remove(sink.getKey());
                    throw e;
                }
            }
        }
        List<ChangeEvent> late =
                ChangeOrder.missing(work.batch, truncateLog.after(ChangeOrder.oldestRowChange(work.batch)));
        if (!late.isEmpty()) {
            LOG.info(
                    "applying {} TRUNCATE(s) another task recorded while this batch was applied: {}",
                    late.size(),
                    late);
            for (Map.Entry<String, Sink> sink : sinks.entrySet()) {
                apply(sink.getKey(), sink.getValue(), late, work.trace);
            }
        }
    }

    private void apply(String name, Sink sink, List<ChangeEvent> events, RecordTrace trace)
            throws RetryableSinkException {
        List<ChangeEvent> own =
                ChangeOrder.ofTables(events, bound.get(name).config().sourceTables());
        if (own.isEmpty()) {
            return;
        }
        ApplyResult result;
        try {
            result = sink.apply(new ChangeBatch(own, ChangeOrder.highest(own)));
        } catch (RuntimeException e) {
            throw new ConnectException("sink '" + name + "' failed: " + e.getMessage(), e);
        }
        for (Rejection rejection : result.rejections()) {
            SinkRecord record = trace.recordOf(rejection.event());
            String reason = "sink '" + name + "' refused " + rejection.event().op() + " of "
                    + rejection.event().table()
                    + (rejection.event().key() == null
                            ? ""
                            : " key " + rejection.event().key().asText()) + " at LSN "
                    + rejection.event().lsn() + ": " + rejection.reason();
            if (record == null) {
                throw new ConnectException(reason + " (a TRUNCATE recorded by another task; it is retried on restart)");
            }
            errant.report(record, reason);
        }
    }

    /** Connection loss, rollbacks, resource shortage, operator intervention: worth retrying. */
    static boolean isTransient(SQLException e) {
        String state = e.getSQLState();
        return state == null
                || state.startsWith("08")
                || state.startsWith("40")
                || state.startsWith("53")
                || state.startsWith("57")
                || state.startsWith("58");
    }

    @Override
    public Map<TopicPartition, OffsetAndMetadata> preCommit(Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
        return offsets.committable(currentOffsets);
    }

    @Override
    public void close(Collection<TopicPartition> partitions) {
        offsets.forget(partitions);
        pending = null; // Connect drops the undelivered batch on a rebalance
    }

    @Override
    public void stop() {
        sinks.forEach((name, sink) -> {
            try {
                sink.close();
            } catch (RuntimeException e) {
                LOG.warn("closing sink {} failed: {}", name, e.toString());
            }
        });
        if (truncateLog != null) {
            truncateLog.close();
        }
    }
}
