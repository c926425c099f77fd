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
import io.cdcfanout.sink.RebuildableSink;
import io.cdcfanout.sink.Rejection;
import io.cdcfanout.sink.RetryableSinkException;
import io.cdcfanout.sink.Sink;
import io.cdcfanout.sink.SinkContext;
import io.cdcfanout.sink.jdbc.ChunkedTableReader.ChunkRow;
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
 *
 * <p>A rebuild ({@link RebuildableSink}) fills a shadow generation of one table beside the live one: entries
 * are keyed by table, generation and key, readers look only at the table's live generation, and the rebuild
 * ends by making the shadow the live generation with one write, so a read sees the old table or the new one,
 * never a half-loaded one. While it is built the shadow takes every change the live generation takes, and a
 * chunk row fills a key only where the shadow holds nothing, or completes an update whose unchanged TOAST
 * columns were unknown. The shadow counts towards {@code max-entries}: give the cache room for the table twice.
 */
public final class CaffeineCacheSink implements Sink, LatestRowReader, RebuildableSink, io.cdcfanout.sink.ViewReader {

    private static final Logger LOG = LoggerFactory.getLogger(CaffeineCacheSink.class);

    private record Key(TableId table, int generation, String key) {}

    /** One generation of one table's entries: the live one, or the shadow a rebuild fills. */
    private record Generation(TableId table, int number) {
        boolean holds(Key key) {
            return key.table().equals(table) && key.generation() == number;
        }
    }

    /**
     * What the cache holds for a key as of {@code lsn}: its image, or none (deleted, or unknown columns). In a
     * shadow, an update whose unchanged TOAST columns had no previous image keeps its partial row, for the
     * rebuild's chunk row of that key to complete.
     */
    private record Entry(LatestRow row, Lsn lsn, Row partial) {
        Entry(LatestRow row, Lsn lsn) {
            this(row, lsn, null);
        }

        static Entry noImage(Lsn lsn) {
            return new Entry(null, lsn, null);
        }
    }

    private final String name;
    private final SinkContext context;
    private final InitialLoad initialLoad;
    private final Set<TableId> tables;
    private final Cache<Key, Entry> cache;
    // TRUNCATE LSN per generation: older changes of the table are obsolete; only the pipeline's thread writes it
    private final Map<Generation, Lsn> truncatedBefore = new ConcurrentHashMap<>();
    // the generation readers see, per table (absent: 0); written by the lane thread, read by HTTP threads
    private final Map<TableId, Integer> liveGeneration = new ConcurrentHashMap<>();
    // the shadow generation of each table being rebuilt; only the lane thread uses it
    private final Map<TableId, Integer> rebuilding = new ConcurrentHashMap<>();
    // written by start(), read by HTTP threads (the API is up while sinks start)
    private final Map<TableId, KeyShape> keyShapes = new ConcurrentHashMap<>();
    private final Object watermarkMonitor = new Object();
    private volatile Lsn appliedLsn = Lsn.ZERO;
    private volatile SnapshotVisibility loadSnapshot;
    private final CacheViews views;
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
        this.views = new CacheViews(name, config.viewNames(), context);
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
        truncatedBefore.clear();
        rebuilding.clear();
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
                            new Key(table, live(table), key.asText()),
                            new Entry(new LatestRow(visible, Lsn.ZERO, loadedAt), Lsn.ZERO));
                    rows[0]++;
                }
            });
            loadSnapshot = visibility;
            LOG.info("cache {} loaded {} rows of {} (snapshot {})", name, rows[0], tables, visibility);
        } catch (SQLException e) {
            throw new RetryableSinkException("cache " + name + " cannot load its tables: " + e.getMessage(), e);
        }
        views.start();
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
    public ApplyResult apply(ChangeBatch batch) throws RetryableSinkException {
        if (!views.isEmpty()) {
            views.apply(batch.events());
        }
        for (ChangeEvent event : batch.events()) {
            if (!tables.contains(event.table())) {
                continue; // a table only views read
            }
            if (!alreadyLoaded(event)) {
                applyTo(new Generation(event.table(), live(event.table())), event);
            }
            Integer shadow = rebuilding.get(event.table());
            if (shadow != null) {
                applyTo(new Generation(event.table(), shadow), event); // the shadow has no start-up load to skip
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

    private void applyTo(Generation generation, ChangeEvent event) {
        if (olderThanTruncate(generation, event.lsn())) {
            return;
        }
        switch (event.op()) {
            case SNAPSHOT -> {}
            case INSERT, UPDATE -> upsert(generation, event);
            case DELETE -> delete(generation, event);
            case TRUNCATE -> {
                truncatedBefore.merge(generation, event.lsn(), Lsn::max);
                cache.asMap().keySet().removeIf(generation::holds);
                moved.removeIf(generation::holds);
            }
        }
    }

    private boolean olderThanTruncate(Generation generation, Lsn lsn) {
        Lsn truncate = truncatedBefore.get(generation);
        return truncate != null && lsn.compareTo(truncate) < 0;
    }

    private int live(TableId table) {
        return liveGeneration.getOrDefault(table, 0);
    }

    private void delete(Generation generation, ChangeEvent event) {
        Key key = key(generation, event);
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

    private void upsert(Generation generation, ChangeEvent event) {
        LatestRow movedFrom = event.previousKey() == null
                ? null
                : moved.take(new Key(
                        event.table(), generation.number(), event.previousKey().asText()));
        boolean shadow = Integer.valueOf(generation.number()).equals(rebuilding.get(event.table()));
        cache.asMap().compute(key(generation, event), (k, old) -> {
            if (old != null && !event.lsn().isAfter(old.lsn())) {
                return old;
            }
            Row row = event.after();
            if (!row.isComplete()) {
                LatestRow previous = old != null && old.row() != null ? old.row() : movedFrom;
                row = previous == null ? row : row.mergedOnto(previous.row());
                if (!row.isComplete() && old != null && old.partial() != null) {
                    row = row.mergedOnto(old.partial());
                }
                if (!row.isComplete()) {
                    return shadow ? new Entry(null, event.lsn(), row) : Entry.noImage(event.lsn());
                }
            }
            return new Entry(new LatestRow(row, event.lsn(), event.position().commitTime()), event.lsn());
        });
    }

    private static Key key(Generation generation, ChangeEvent event) {
        return new Key(event.table(), generation.number(), event.key().asText());
    }

    @Override
    public boolean loadsItsTablesAtStart() {
        return true;
    }

    @Override
    public void beginRebuild(TableId table) {
        cancelRebuild(table);
        if (!tables.contains(table)) {
            return; // only views read it: they are rendered again at its last chunk
        }
        int shadow = live(table) + 1;
        rebuilding.put(table, shadow);
        LOG.info("cache {}: rebuilding {} into generation {}", name, table, shadow);
    }

    @Override
    public List<Rejection> backfill(TableId table, List<ChunkRow> rows, boolean endOfTable)
            throws RetryableSinkException {
        if (endOfTable) {
            views.rebuild(table);
        }
        if (!tables.contains(table)) {
            return List.of();
        }
        Integer number = rebuilding.get(table);
        if (number == null) {
            throw new IllegalStateException("cache " + name + ": backfill of " + table + " without beginRebuild");
        }
        Generation shadow = new Generation(table, number);
        if (olderThanTruncate(shadow, Lsn.ZERO)) {
            return List.of(); // a TRUNCATE reached the shadow after this chunk was read; the stream re-creates its rows
        }
        Instant readAt = context.clock().instant();
        for (ChunkRow chunkRow : rows) {
            cache.asMap().compute(new Key(table, number, chunkRow.key().asText()), (k, old) -> {
                if (old == null) {
                    return new Entry(new LatestRow(chunkRow.row(), Lsn.ZERO, readAt), Lsn.ZERO);
                }
                if (old.partial() != null) {
                    Row completed = old.partial().mergedOnto(chunkRow.row());
                    return completed.isComplete()
                            ? new Entry(new LatestRow(completed, old.lsn(), readAt), old.lsn())
                            : old;
                }
                return old; // a streamed change is newer than any chunk row
            });
        }
        return List.of(); // the cache holds any row
    }

    @Override
    public void finishRebuild(TableId table) {
        if (!tables.contains(table)) {
            return;
        }
        Integer shadow = rebuilding.remove(table);
        if (shadow == null) {
            throw new IllegalStateException("cache " + name + ": finishRebuild of " + table + " without beginRebuild");
        }
        Generation old = new Generation(table, live(table));
        liveGeneration.put(table, shadow); // readers switch here, in one step
        drop(old);
        LOG.info("cache {}: {} rebuilt, generation {} is live", name, table, shadow);
    }

    @Override
    public void cancelRebuild(TableId table) {
        Integer shadow = rebuilding.remove(table);
        if (shadow != null) {
            drop(new Generation(table, shadow));
            LOG.info("cache {}: rebuild of {} cancelled", name, table);
        }
    }

    private void drop(Generation generation) {
        cache.asMap().keySet().removeIf(generation::holds);
        moved.removeIf(generation::holds);
        truncatedBefore.remove(generation);
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
        Entry entry = cache.getIfPresent(new Key(table, live(table), keyText));
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
    public boolean servesView(String view) {
        return views.serves(view);
    }

    @Override
    public String viewKeyText(String view, Map<String, String> key) {
        var shape = views.maintainer(view).rootKeyShape();
        return shape == null ? "" : shape.keyText(key);
    }

    @Override
    public List<String> viewKeyColumns(String view) {
        var shape = views.maintainer(view).rootKeyShape();
        return shape == null ? List.of() : shape.columns();
    }

    @Override
    public Optional<ViewEntry> viewDocument(String view, String keyText) {
        return Optional.ofNullable(views.get(view, keyText));
    }

    @Override
    public void close() {
        cache.invalidateAll();
        views.close();
    }
}
