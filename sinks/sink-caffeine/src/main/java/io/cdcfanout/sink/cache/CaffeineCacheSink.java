package io.cdcfanout.sink.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.KeyShape;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.Operation;
import io.cdcfanout.schema.Row;
import io.cdcfanout.schema.RowKey;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.ApplyResult;
import io.cdcfanout.sink.ChangeBatch;
import io.cdcfanout.sink.LatestRow;
import io.cdcfanout.sink.LatestRowReader;
import io.cdcfanout.sink.RetryableSinkException;
import io.cdcfanout.sink.Sink;
import io.cdcfanout.sink.SinkContext;
import io.micrometer.core.instrument.Gauge;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
 * <p>A delete leaves a <em>deletion entry</em> at its LSN rather than removing the key, so a stale change
 * replayed after it (an older insert) cannot bring the row back; a TRUNCATE removes the table's entries
 * and records its LSN, below which changes of that table are dropped. Deletion entries count towards
 * {@code max-entries} and are evicted like rows.
 *
 * <p>An update whose after image lacks an unchanged TOASTed column is merged onto the cached row; when
 * the row is not cached (evicted) no image is kept, only the update's LSN (as for a delete), so a read
 * misses instead of returning a row without that column.
 *
 * <p>An update of the primary key arrives as a DELETE of the old key and an INSERT of the new one, whose
 * unchanged TOAST columns are unknown too: the DELETE keeps the row it replaces aside (in
 * {@link MovedRows}, also across batches) and the INSERT is merged onto it.
 */
public final class CaffeineCacheSink implements Sink, LatestRowReader {

    private static final Logger LOG = LoggerFactory.getLogger(CaffeineCacheSink.class);

    private record Key(TableId table, String key) {}

    /** What the cache holds for a key as of {@code lsn}: its image, or none (deleted, or unknown columns). */
    private record Entry(LatestRow row, Lsn lsn) {
        static Entry noImage(Lsn lsn) {
            return new Entry(null, lsn);
        }
    }

    private final String name;
    private final SinkContext context;
    private final InitialLoad initialLoad;
    private final Set<TableId> tables;
    private final Cache<Key, Entry> cache;
    // TRUNCATE LSN per table: older changes of the table are obsolete; only the pipeline's thread writes it
    private final Map<TableId, Lsn> truncatedBefore = new ConcurrentHashMap<>();
    // written by start(), read by HTTP threads (the API is up while sinks start)
    private final Map<TableId, KeyShape> keyShapes = new ConcurrentHashMap<>();
    private final Object watermarkMonitor = new Object();
    private volatile Lsn appliedLsn = Lsn.ZERO;
    private volatile SnapshotVisibility loadSnapshot;
    private final MovedRows<Key> moved = new MovedRows<>(); // only the apply thread and start() use it

    CaffeineCacheSink(String name, CaffeineSinkConfig config, SinkContext context) {
        this(name, config, context, new TableLoader(context.source(), "cdc-fanout cache load"));
    }

    /** @param initialLoad where {@link #start()} reads the tables from (tests give one without a database) */
    CaffeineCacheSink(String name, CaffeineSinkConfig config, SinkContext context, InitialLoad initialLoad) {
        this.name = name;
        this.initialLoad = initialLoad;
        this.context = context;
        this.tables = config.sourceTables();
        Caffeine<Object, Object> builder = Caffeine.newBuilder().maximumSize(config.maxEntries());
        if (config.expireAfterWrite() != null) {
            builder.expireAfterWrite(config.expireAfterWrite());
        }
        this.cache = builder.build();
        Gauge.builder("cdc.sink.cache.entries", cache, Cache::estimatedSize)
                .tag("sink", name)
                .description("keys held by the cache: rows, and deletions kept against stale changes")
                .register(context.meters());
    }

    @Override
    public void start() throws RetryableSinkException {
        cache.invalidateAll();
        moved.clear();
        Instant loadedAt = context.clock().instant();
        long[] rows = {0};
        try {
            SnapshotVisibility visibility = initialLoad.load(tables, new InitialLoad.Receiver() {
                @Override
                public void keyShape(TableId table, KeyShape key) {
                    refuseArrayKeys(table, key);
                    keyShapes.put(table, key);
                }

                @Override
                public void row(TableId table, RowKey key, Row row) {
                    Row visible = context.rowPolicy().apply(table, row); // the same columns the stream delivers
                    cache.put(
                            new Key(table, key.asText()),
                            new Entry(new LatestRow(visible, Lsn.ZERO, loadedAt), Lsn.ZERO));
                    rows[0]++;
                }
            });
            loadSnapshot = visibility;
            LOG.info("cache {} loaded {} rows of {} (snapshot {})", name, rows[0], tables, visibility);
        } catch (SQLException e) {
            throw new RetryableSinkException("cache " + name + " cannot load its tables: " + e.getMessage(), e);
        }
    }

    /** Array keys have no URL form; a cache that could not serve its rows is a configuration error. */
    private void refuseArrayKeys(TableId table, KeyShape key) {
        for (int i = 0; i < key.columns().size(); i++) {
            if (!KeyShape.urlReadable(key.types().get(i))) {
                throw new IllegalStateException("cache " + name + ": table " + table + " has array key column "
                        + key.columns().get(i) + " (" + key.types().get(i) + "); GET /cache cannot address such keys,"
                        + " so remove the table from the cache's tables");
            }
        }
    }

    @Override
    public ApplyResult apply(ChangeBatch batch) {
        for (ChangeEvent event : batch.events()) {
            if (alreadyLoaded(event) || olderThanTruncate(event)) {
                continue;
            }
            switch (event.op()) {
                case SNAPSHOT -> {}
                case INSERT, UPDATE -> upsert(event);
                case DELETE -> delete(event);
                case TRUNCATE -> {
                    truncatedBefore.merge(event.table(), event.lsn(), Lsn::max);
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
        if (visibility == null || event.op() == Operation.SNAPSHOT) {
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

    private boolean olderThanTruncate(ChangeEvent event) {
        Lsn truncate = truncatedBefore.get(event.table());
        return truncate != null && event.lsn().compareTo(truncate) < 0;
    }

    private void delete(ChangeEvent event) {
        Key key = key(event);
        Entry[] replaced = new Entry[1];
        cache.asMap().compute(key, (k, old) -> {
            if (old != null && old.lsn().isAfter(event.lsn())) {
                return old;
            }
            replaced[0] = old;
            return Entry.noImage(event.lsn());
        });
        if (event.keyUpdate() != null && replaced[0] != null && replaced[0].row() != null) {
            moved.put(key, replaced[0].row());
        }
    }

    private void upsert(ChangeEvent event) {
        LatestRow movedFrom = event.previousKey() == null
                ? null
                : moved.take(new Key(event.table(), event.previousKey().asText()));
        cache.asMap().compute(key(event), (k, old) -> {
            if (old != null && !event.lsn().isAfter(old.lsn())) {
                return old;
            }
            Row row = event.after();
            if (!row.isComplete()) {
                LatestRow previous = old != null && old.row() != null ? old.row() : movedFrom;
                row = previous == null ? row : row.mergedOnto(previous.row());
                if (!row.isComplete()) {
                    return Entry.noImage(event.lsn());
                }
            }
            return new Entry(new LatestRow(row, event.lsn(), event.position().commitTime()), event.lsn());
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
        KeyShape key = keyShapes.get(table);
        return key == null ? List.of() : key.columns();
    }

    @Override
    public String keyText(TableId table, Map<String, String> key) {
        KeyShape shape = keyShapes.get(table);
        return shape == null ? "" : shape.keyText(key); // not loaded yet: nothing is held, the read misses
    }

    @Override
    public Optional<LatestRow> get(TableId table, String keyText) {
        Entry entry = cache.getIfPresent(new Key(table, keyText));
        return entry == null ? Optional.empty() : Optional.ofNullable(entry.row());
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
