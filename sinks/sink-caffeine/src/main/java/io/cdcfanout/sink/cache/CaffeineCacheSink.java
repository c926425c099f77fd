package io.cdcfanout.sink.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.Row;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.ApplyResult;
import io.cdcfanout.sink.ChangeBatch;
import io.cdcfanout.sink.LatestRow;
import io.cdcfanout.sink.LatestRowReader;
import io.cdcfanout.sink.RetryableSinkException;
import io.cdcfanout.sink.Sink;
import io.cdcfanout.sink.SinkContext;
import io.micrometer.core.instrument.Gauge;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code type: caffeine}: the latest image of each row, in memory, served by {@code GET /cache/...}.
 *
 * <p>The cache does not survive a restart, so {@link #start()} loads its tables itself, in one
 * repeatable-read snapshot, rather than depending on where the stream resumes. Streamed changes of
 * transactions that snapshot already saw are skipped; all others are applied, newest LSN per row
 * winning. The engine's own snapshot rows ({@code SNAPSHOT}) are therefore ignored here.
 *
 * <p>An update whose after image lacks an unchanged TOASTed column is merged onto the cached row; when
 * the row is not cached (evicted) the entry is dropped rather than stored incomplete, so a read misses
 * instead of returning a row without that column.
 *
 * <p>An update of the primary key arrives as a DELETE of the old key and an INSERT of the new one, whose
 * unchanged TOAST columns are unknown too: the DELETE keeps the entry it removes aside (in
 * {@link MovedRows}, also across batches) and the INSERT is merged onto it.
 */
public final class CaffeineCacheSink implements Sink, LatestRowReader {

    private static final Logger LOG = LoggerFactory.getLogger(CaffeineCacheSink.class);

    private record Key(TableId table, String key) {
    }

    private final String name;
    private final CaffeineSinkConfig config;
    private final SinkContext context;
    private final Set<TableId> tables;
    private final Cache<Key, LatestRow> cache;
    // written by start(), read by HTTP threads (the API is up while sinks start)
    private final Map<TableId, List<String>> keyColumns = new ConcurrentHashMap<>();
    private final Object watermarkMonitor = new Object();
    private volatile Lsn appliedLsn = Lsn.ZERO;
    private volatile SnapshotVisibility loadSnapshot;
    private final MovedRows<Key> moved = new MovedRows<>(); // only the apply thread and start() use it

    CaffeineCacheSink(String name, CaffeineSinkConfig config, SinkContext context) {
        this.name = name;
        this.config = config;
        this.context = context;
        this.tables = config.sourceTables();
        Caffeine<Object, Object> builder = Caffeine.newBuilder().maximumSize(config.maxEntries());
        if (config.expireAfterWrite() != null) {
            builder.expireAfterWrite(config.expireAfterWrite());
        }
        this.cache = builder.build();
        Gauge.builder("cdc_cache_entries", cache, Cache::estimatedSize).tag("sink", name)
                .description("rows held by the cache").register(context.meters());
    }

    @Override
    public void start() throws RetryableSinkException {
        cache.invalidateAll();
        moved.clear();
        try (Connection c = context.source().connect("cdc-fanout cache load")) {
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            c.setReadOnly(true);
            SnapshotVisibility visibility;
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_current_snapshot()::text")) {
                rs.next();
                visibility = SnapshotVisibility.parse(rs.getString(1));
            }
            Instant loadedAt = context.clock().instant();
            long rows = 0;
            for (TableId table : tables) {
                List<String> key = TableLoader.primaryKey(c, table);
                keyColumns.put(table, key);
                long[] count = {0};
                TableLoader.load(c, table, key, (rowKey, row) -> {
                    Row visible = context.rowPolicy().apply(table, row); // the same columns the stream delivers
                    cache.put(new Key(table, rowKey.asText()), new LatestRow(visible, Lsn.ZERO, loadedAt));
                    count[0]++;
                });
                rows += count[0];
            }
            c.commit();
            loadSnapshot = visibility;
            LOG.info("cache {} loaded {} rows of {} (snapshot {})", name, rows, tables, visibility);
        } catch (SQLException e) {
            throw new RetryableSinkException("cache " + name + " cannot load its tables: " + e.getMessage(), e);
        }
    }

    @Override
    public ApplyResult apply(ChangeBatch batch) {
        for (ChangeEvent event : batch.events()) {
            if (alreadyLoaded(event)) {
                continue;
            }
            switch (event.op()) {
                case SNAPSHOT -> { }
                case INSERT, UPDATE -> upsert(event);
                case DELETE -> delete(event);
                case TRUNCATE -> {
                    cache.asMap().keySet().removeIf(k -> k.table().equals(event.table()));
                    moved.removeIf(k -> k.table().equals(event.table()));
                }
            }
        }
        synchronized (watermarkMonitor) {
            appliedLsn = Lsn.max(appliedLsn, batch.endLsn());
            watermarkMonitor.notifyAll();
        }
        return ApplyResult.allApplied();
    }

    /** True for changes of transactions the start-up load already saw. */
    private boolean alreadyLoaded(ChangeEvent event) {
        SnapshotVisibility visibility = loadSnapshot;
        if (visibility == null || event.op() == io.cdcfanout.schema.Operation.SNAPSHOT) {
            return false;
        }
        if (visibility.sawTransaction(event.position().txId())) {
            return true;
        }
        if (visibility.startedAfter(event.position().txId())) {
            loadSnapshot = null; // every later change is newer than the load
        }
        return false;
    }

    private void delete(ChangeEvent event) {
        LatestRow[] removed = new LatestRow[1];
        Key key = key(event);
        cache.asMap().computeIfPresent(key, (k, old) -> {
            if (old.lsn().isAfter(event.lsn())) {
                return old;
            }
            removed[0] = old;
            return null;
        });
        if (event.keyUpdate() != null && removed[0] != null) {
            moved.put(key, removed[0]);
        }
    }

    private void upsert(ChangeEvent event) {
        LatestRow movedFrom = event.previousKey() == null ? null : moved.take(new Key(event.table(), event.previousKey().asText()));
        cache.asMap().compute(key(event), (k, old) -> {
            if (old != null && !event.lsn().isAfter(old.lsn())) {
                return old;
            }
            Row row = event.after();
            if (!row.isComplete()) {
                LatestRow previous = old != null ? old : movedFrom;
                row = previous == null ? row : row.mergedOnto(previous.row());
                if (!row.isComplete()) {
                    return null;
                }
            }
            return new LatestRow(row, event.lsn(), event.position().commitTime());
        });
    }

    private static Key key(ChangeEvent event) {
        return new Key(event.table(), event.key().asText());
    }

    @Override
    public boolean serves(TableId table) {
        return tables.contains(table);
    }

    @Override
    public List<String> keyColumns(TableId table) {
        return keyColumns.getOrDefault(table, List.of());
    }

    @Override
    public Optional<LatestRow> get(TableId table, String keyText) {
        return Optional.ofNullable(cache.getIfPresent(new Key(table, keyText)));
    }

    @Override
    public Lsn appliedLsn() {
        return appliedLsn;
    }

    @Override
    public boolean awaitApplied(Lsn lsn, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (watermarkMonitor) {
            while (lsn.isAfter(appliedLsn)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(watermarkMonitor, left);
            }
            return true;
        }
    }

    @Override
    public void close() {
        cache.invalidateAll();
    }
}
