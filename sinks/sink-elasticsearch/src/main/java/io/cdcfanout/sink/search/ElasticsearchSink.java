package io.cdcfanout.sink.search;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.Operation;
import io.cdcfanout.schema.RowKey;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.ApplyResult;
import io.cdcfanout.sink.ChangeBatch;
import io.cdcfanout.sink.Rejection;
import io.cdcfanout.sink.RetryableSinkException;
import io.cdcfanout.sink.Sink;
import io.cdcfanout.sink.SinkContext;
import io.cdcfanout.sink.Visibility;
import io.cdcfanout.sink.search.BulkWriter.ItemResult;
import io.cdcfanout.sink.search.DocumentMapper.UnmappableChangeException;
import io.cdcfanout.sink.search.ElasticsearchSinkConfig.TableOptions;
import java.io.IOException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one Elasticsearch index per source table equal to the table.
 *
 * <p>How a batch is applied:
 * <ol>
 *   <li>each TRUNCATE first: its LSN is stored as the table's durable watermark, then every live document
 *       older than it is replaced by a tombstone ({@link TableTruncator}); changes older than the watermark
 *       are dropped from now on, in this batch and in any replay;</li>
 *   <li>the remaining changes are coalesced to the newest per document ({@link ChangeCoalescer});</li>
 *   <li>each becomes an index action with {@code version=LSN, version_type=external_gte}: a full document for
 *       snapshot rows, inserts and updates, a tombstone {@code {"_cdc":{"deleted":true,...}}} for deletes
 *       ({@link DocumentMapper}); updates missing unchanged TOAST columns are completed from the indexed
 *       document ({@link ToastMerger}) while the others are being sent;</li>
 *   <li>the actions go out in bounded, parallel bulk requests ({@link BulkWriter}), each as soon as it is
 *       full; version conflicts are replays or stale writes and count as applied; refused documents come back
 *       as {@link Rejection}s; anything transient throws {@link RetryableSinkException} and the pipeline
 *       retries the batch.</li>
 * </ol>
 *
 * <p>Why {@code external_gte} rather than {@code external}: the LSN only grows per row, but it is not unique
 * (the design allows several changes at one LSN), and with {@code external} a second change at an equal LSN
 * would be lost for good. With {@code external_gte} an equal version overwrites: in commit order that is the
 * newer change, and an exact replay rewrites identical content. Strictly older versions still conflict.
 *
 * <p>Readers search the alias (the configured index name), whose filter hides tombstones. A GET by id
 * through the alias ignores alias filters and can return a tombstone: check {@code _cdc.deleted}.
 * The sink assumes it is the only writer of its indexes.
 *
 * <p>With {@code refresh: none} an applied batch becomes searchable at the index's next refresh;
 * {@link #makeAppliedVisible()} refreshes the sink's indexes at once (for {@code GET /wait}).
 */
public final class ElasticsearchSink implements Sink, Visibility {

    private static final Logger LOG = LoggerFactory.getLogger(ElasticsearchSink.class);

    private final String name;
    private final ElasticsearchSinkConfig config;
    private final ElasticsearchSinkMetrics metrics;
    private final Map<TableId, DocumentMapper> mappers = new LinkedHashMap<>();
    private final Map<String, Lsn> truncateWatermarks = new ConcurrentHashMap<>();

    private ElasticsearchClient client;
    private BulkWriter bulkWriter;
    private ToastMerger toastMerger;
    private TruncateWatermarks watermarks;
    private TableTruncator truncator;

    ElasticsearchSink(String name, ElasticsearchSinkConfig config, SinkContext context) {
        this.name = name;
        this.config = config;
        this.metrics = new ElasticsearchSinkMetrics(context.meters(), name);
        config.tables().forEach((table, options) -> mappers.put(table, new DocumentMapper(options)));
    }

    /**
     * Connects, creates the indexes, aliases and the state index if absent, and loads the TRUNCATE
     * watermarks. Safe to call again after it threw, and from several instances at once.
     */
    @Override
    public synchronized void start() throws RetryableSinkException {
        if (client == null) {
            client = ElasticsearchClients.create(config);
            bulkWriter = new BulkWriter(client, config.bulk(), config.refresh(), metrics, name);
            toastMerger = new ToastMerger(client);
            watermarks = new TruncateWatermarks(client);
            truncator = new TableTruncator(client, bulkWriter);
        }
        IndexManager indexes = new IndexManager(client);
        try {
            indexes.ensureMetaIndex();
            for (TableOptions options : config.tables().values()) {
                indexes.ensureIndex(options.index(), options.indexBody());
            }
            truncateWatermarks.putAll(watermarks.load(
                    config.tables().values().stream().map(TableOptions::index).toList()));
        } catch (IOException e) {
            throw new RetryableSinkException(
                    "sink " + name + ": cannot reach Elasticsearch at " + config.url() + ": " + e, e);
        } catch (ElasticsearchException e) {
            throw new RetryableSinkException(
                    "sink " + name + ": Elasticsearch refused to prepare indexes: " + ElasticsearchErrors.describe(e)
                            + " (check the sink's privileges and the cluster's health)",
                    e);
        }
        LOG.info(
                "elasticsearch sink {} ready: {} table(s), truncate watermarks {}",
                name,
                mappers.size(),
                truncateWatermarks);
    }

    @Override
    public ApplyResult apply(ChangeBatch batch) throws RetryableSinkException {
        if (client == null) {
            throw new IllegalStateException("sink " + name + ": apply() before start()");
        }
        if (batch.isEmpty()) {
            return ApplyResult.allApplied();
        }
        List<Rejection> rejections = new ArrayList<>();
        for (ChangeEvent event : batch.events()) {
            if (event.op() == Operation.TRUNCATE) {
                truncate(event, rejections);
            }
        }
        for (ItemResult result : write(newestRowChanges(batch, rejections), rejections)) {
            count(result, rejections);
        }
        if (!rejections.isEmpty()) {
            LOG.warn(
                    "sink {}: {} change(s) rejected, first: {} ({})",
                    name,
                    rejections.size(),
                    rejections.get(0).event(),
                    rejections.get(0).reason());
        }
        return ApplyResult.of(rejections);
    }

    /**
     * The newest row change per document, and what the batch's updates of primary keys leave in each document
     * ({@link KeyMoveImages#NONE} when no key moved).
     */
    private record RowChanges(List<ChangeEvent> newest, KeyMoveImages keyMoves) {}

    /** The row changes of the batch that still matter: not older than a TRUNCATE, the newest per document. */
    private RowChanges newestRowChanges(ChangeBatch batch, List<Rejection> rejections) {
        IdentityHashMap<ChangeEvent, String> ids = new IdentityHashMap<>();
        List<ChangeEvent> rows = new ArrayList<>();
        for (ChangeEvent event : batch.events()) {
            if (event.op() == Operation.TRUNCATE) {
                continue;
            }
            DocumentMapper mapper = mapper(event.table());
            Lsn watermark = truncateWatermarks.get(mapper.index());
            if (watermark != null && event.lsn().compareTo(watermark) < 0) {
                metrics.index(mapper.index()).truncateSkipped().increment();
                continue;
            }
            try {
                ids.put(event, mapper.documentId(event));
                rows.add(event);
            } catch (UnmappableChangeException e) {
                rejections.add(new Rejection(event, e.getMessage()));
            }
        }
        KeyMoveImages keyMoves = KeyMoveImages.of(rows, this::documentIdOrNull);
        return new RowChanges(
                ChangeCoalescer.newestPerDocument(rows, e -> mapper(e.table()).index() + "\u0000" + ids.get(e)),
                keyMoves);
    }

    private String documentIdOrNull(TableId table, RowKey key) {
        try {
            return mapper(table).documentId(key);
        } catch (UnmappableChangeException e) {
            return null;
        }
    }

    /**
     * Renders each change into its write and sends it at once, except writes that still need unchanged TOAST
     * columns from the indexed document: those are completed (one realtime multi-get, while the other
     * requests run) and sent last. The changes are the newest per document, so none of them reads a document
     * another one writes; except after an update of a primary key, whose INSERT reads the old key's document:
     * a write to a document that another write reads ({@link KeyMoveImages#isOrigin}) is held until the reads
     * are done, and the documents completed from those reads are stashed first ({@link KeyMoveStash}), so a
     * replay after a half-written batch does not depend on them.
     */
    private List<ItemResult> write(RowChanges changes, List<Rejection> rejections) throws RetryableSinkException {
        BulkWriter.Session bulk = bulkWriter.session();
        KeyMoveImages keyMoves = changes.keyMoves();
        ToastMerger.Result completed = null;
        try {
            List<DocumentWrite> incomplete = new ArrayList<>();
            List<DocumentWrite> held = new ArrayList<>();
            for (ChangeEvent event : changes.newest()) {
                DocumentWrite write;
                try {
                    write = mapper(event.table()).toWrite(event, keyMoves.of(event, this::documentIdOrNull));
                } catch (UnmappableChangeException e) {
                    rejections.add(new Rejection(event, e.getMessage()));
                    continue;
                }
                if (write.needsPreviousDocument()) {
                    incomplete.add(write);
                } else if (keyMoves.isOrigin(event.table(), write.id())) {
                    held.add(write);
                } else {
                    bulk.add(write);
                }
            }
            if (!incomplete.isEmpty()) {
                completed = toastMerger.complete(incomplete);
                rejections.addAll(completed.rejections());
                completed
                        .stale()
                        .forEach(
                                w -> metrics.index(w.index()).versionConflicts().increment());
                completed.ready().forEach(bulk::add);
            }
            held.forEach(bulk::add);
        } catch (RuntimeException | RetryableSinkException e) {
            bulk.abandon();
            throw e;
        }
        List<ItemResult> results = bulk.finish();
        if (completed != null) {
            toastMerger.applied(completed);
        }
        return results;
    }

    /**
     * Records the watermark first, then tombstones every live document older than the TRUNCATE
     * ({@link TableTruncator}). A replay repeats both steps harmlessly; documents written after the TRUNCATE
     * are newer and stay.
     */
    private void truncate(ChangeEvent truncate, List<Rejection> rejections) throws RetryableSinkException {
        TableId table = truncate.table();
        String alias = mapper(table).index();
        try {
            watermarks.record(alias, table, truncate.lsn());
            truncateWatermarks.merge(alias, truncate.lsn(), Lsn::max);
            int tombstones = 0;
            for (ItemResult result : truncator.truncate(truncate, alias)) {
                count(result, rejections);
                tombstones++;
            }
            LOG.info(
                    "sink {}: TRUNCATE {} at {}: {} document(s) tombstoned in {}",
                    name,
                    table,
                    truncate.lsn(),
                    tombstones,
                    alias);
        } catch (ElasticsearchException e) {
            throw new RetryableSinkException(
                    "sink " + name + ": Elasticsearch refused the TRUNCATE of " + table + ": "
                            + ElasticsearchErrors.describe(e),
                    e);
        } catch (IOException e) {
            throw new RetryableSinkException(
                    "sink " + name + ": cannot reach Elasticsearch for the TRUNCATE of " + table + ": " + e, e);
        }
    }

    private void count(ItemResult result, List<Rejection> rejections) {
        ElasticsearchSinkMetrics.Meters meters = metrics.index(result.write().index());
        switch (result.outcome()) {
            case APPLIED -> (result.write().tombstone() ? meters.deleted() : meters.indexed()).increment();
            case STALE -> meters.versionConflicts().increment();
            case REJECTED ->
                rejections.add(new Rejection(
                        result.write().event(),
                        "Elasticsearch refused document " + result.write().index() + "/"
                                + result.write().id() + ": " + result.reason()));
            case RETRYABLE -> throw new IllegalStateException("BulkWriter returned a retryable item: " + result);
        }
    }

    private DocumentMapper mapper(TableId table) {
        DocumentMapper mapper = mappers.get(table);
        if (mapper == null) {
            throw new IllegalArgumentException(
                    "sink " + name + " got a change of " + table + ", which it is not configured for");
        }
        return mapper;
    }

    /**
     * Refreshes every index of the sink, so that each applied write is searchable; nothing to do with
     * {@code refresh: wait_for}, where a batch returns only once it is searchable.
     */
    @Override
    public void makeAppliedVisible() throws IOException {
        ElasticsearchClient started;
        synchronized (this) {
            started = client;
        }
        if (started == null) {
            throw new IllegalStateException("sink " + name + " has not started");
        }
        if (config.refresh() == ElasticsearchSinkConfig.Refresh.WAIT_FOR) {
            return;
        }
        List<String> aliases =
                config.tables().values().stream().map(TableOptions::index).toList();
        started.indices().refresh(r -> r.index(aliases));
    }

    @Override
    public synchronized void close() {
        if (bulkWriter != null) {
            bulkWriter.close();
        }
        if (client != null) {
            try {
                client._transport().close();
            } catch (IOException | RuntimeException e) {
                LOG.warn("sink {}: closing the Elasticsearch client failed: {}", name, e.toString());
            }
        }
    }
}
