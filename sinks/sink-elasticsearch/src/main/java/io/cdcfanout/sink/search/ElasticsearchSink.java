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
import io.cdcfanout.sink.RebuildableSink;
import io.cdcfanout.sink.Rejection;
import io.cdcfanout.sink.RetryableSinkException;
import io.cdcfanout.sink.Sink;
import io.cdcfanout.sink.SinkContext;
import io.cdcfanout.sink.Visibility;
import io.cdcfanout.sink.jdbc.ChunkedTableReader.ChunkRow;
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
import java.util.function.Function;
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
 *
 * <p>A rebuild ({@link RebuildableSink}) of a table creates the next concrete index {@code <index>_v<n+1>}
 * with the configured settings and mappings (so a changed mapping takes effect), writes every change of the
 * table to it as well as through the alias, fills it with the chunk rows at version 0 (below every streamed
 * change: a chunk row only lands where no change did; an update whose unchanged TOAST columns it had no
 * document to copy from is written without them, listed in {@code _cdc.missing}, and the chunk row fills them),
 * then moves the alias to it in one request and deletes the old index (or keeps the newest
 * {@code keep-old-indexes} previous ones, the one the alias left first, for a roll-back). Searches through the alias see the
 * old index or the new one, never a half-built one. A TRUNCATE watermark belongs to a concrete index, so a
 * rebuilt index starts without the old one's.
 */
public final class ElasticsearchSink implements Sink, Visibility, RebuildableSink {

    private static final Logger LOG = LoggerFactory.getLogger(ElasticsearchSink.class);

    private final String name;
    private final ElasticsearchSinkConfig config;
    private final ElasticsearchSinkMetrics metrics;
    private final java.time.Clock clock;
    private final Map<TableId, DocumentMapper> mappers = new LinkedHashMap<>();
    // TRUNCATE watermark of each alias's live concrete index
    private final Map<String, Lsn> truncateWatermarks = new ConcurrentHashMap<>();
    // the concrete index each alias points at
    private final Map<String, String> liveConcrete = new ConcurrentHashMap<>();
    // the new concrete index of each table being rebuilt; only the lane thread uses it
    private final Map<TableId, RebuildTarget> rebuilding = new ConcurrentHashMap<>();

    /** A rebuild's new concrete index, and the TRUNCATE watermark it has of its own. */
    private static final class RebuildTarget {
        final TableId table;
        final String alias;
        final String concrete;
        Lsn watermark;

        RebuildTarget(TableId table, String alias, String concrete) {
            this.table = table;
            this.alias = alias;
            this.concrete = concrete;
        }
    }

    private ElasticsearchClient client;
    private BulkWriter bulkWriter;
    private ToastMerger toastMerger;
    private TruncateWatermarks watermarks;
    private TableTruncator truncator;
    private final ViewIndexes views;

    ElasticsearchSink(String name, ElasticsearchSinkConfig config, SinkContext context) {
        this.name = name;
        this.config = config;
        this.metrics = new ElasticsearchSinkMetrics(context.meters(), name);
        this.clock = context.clock();
        config.tables().forEach((table, options) -> mappers.put(table, new DocumentMapper(options)));
        this.views = new ViewIndexes(name, config, context, metrics);
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
            rebuilding.clear();
            for (TableOptions options : config.tables().values()) {
                indexes.ensureIndex(options.index(), options.indexBody());
                List<String> concrete = indexes.concreteIndexes(options.index());
                liveConcrete.put(
                        options.index(),
                        concrete.size() == 1 ? concrete.get(0) : IndexNames.concreteIndex(options.index()));
            }
            loadWatermarks();
            views.start(client, bulkWriter, indexes);
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

    /**
     * The watermark of each alias's concrete index. Before watermarks were kept per concrete index they were
     * kept per alias, which then always pointed at {@code _v1}: such an entry still counts for {@code _v1}.
     */
    private void loadWatermarks() throws IOException {
        List<String> names = new ArrayList<>(liveConcrete.values());
        names.addAll(liveConcrete.keySet());
        Map<String, Lsn> stored = watermarks.load(names);
        truncateWatermarks.clear();
        liveConcrete.forEach((alias, concrete) -> {
            Lsn own = stored.get(concrete);
            Lsn legacy = concrete.equals(IndexNames.concreteIndex(alias)) ? stored.get(alias) : null;
            Lsn watermark = own == null ? legacy : legacy == null ? own : Lsn.max(own, legacy);
            if (watermark != null) {
                truncateWatermarks.put(alias, watermark);
            }
        });
    }

    private String concreteOf(String alias) {
        return liveConcrete.getOrDefault(alias, IndexNames.concreteIndex(alias));
    }

    @Override
    public ApplyResult apply(ChangeBatch batch) throws RetryableSinkException {
        if (client == null) {
            throw new IllegalStateException("sink " + name + ": apply() before start()");
        }
        List<Rejection> rejections = new ArrayList<>();
        if (!views.isEmpty()) {
            views.apply(batch.events(), rejections);
        }
        ChangeBatch tables = views.isEmpty()
                ? batch
                : new ChangeBatch(
                        batch.events().stream()
                                .filter(e -> mappers.containsKey(e.table()))
                                .toList(),
                        batch.endLsn());
        if (tables.isEmpty()) {
            return ApplyResult.of(rejections);
        }
        for (ChangeEvent event : tables.events()) {
            if (event.op() == Operation.TRUNCATE) {
                truncate(event, rejections);
            }
        }
        for (ItemResult result :
                write(newestRowChanges(tables.events(), truncateWatermarks::get, rejections), rejections, null)) {
            count(result, rejections);
        }
        for (RebuildTarget target : rebuilding.values()) {
            applyToRebuild(target, tables, rejections);
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

    /**
     * The row changes that still matter: not older than a TRUNCATE, the newest per document.
     *
     * @param watermarkOf the TRUNCATE watermark of the index a table's documents go to, by alias
     */
    private RowChanges newestRowChanges(
            List<ChangeEvent> events, Function<String, Lsn> watermarkOf, List<Rejection> rejections) {
        IdentityHashMap<ChangeEvent, String> ids = new IdentityHashMap<>();
        List<ChangeEvent> rows = new ArrayList<>();
        for (ChangeEvent event : events) {
            if (event.op() == Operation.TRUNCATE) {
                continue;
            }
            DocumentMapper mapper = mapper(event.table());
            Lsn watermark = watermarkOf.apply(mapper.index());
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
    /** @param rebuildIndex the concrete index a rebuild fills, to write there instead of through the alias; or null */
    private List<ItemResult> write(RowChanges changes, List<Rejection> rejections, String rebuildIndex)
            throws RetryableSinkException {
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
                    if (rebuildIndex != null) {
                        write = write.withIndex(rebuildIndex);
                    }
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
                completed = toastMerger.complete(incomplete, rebuildIndex != null);
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
            watermarks.record(concreteOf(alias), table, truncate.lsn());
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

    /**
     * The batch's changes of a table being rebuilt, applied to its new index as to the live one, with the new
     * index's own TRUNCATE watermark. A change the new index refuses is a rejection too, unless the live index
     * refused it already.
     */
    private void applyToRebuild(RebuildTarget target, ChangeBatch batch, List<Rejection> rejections)
            throws RetryableSinkException {
        List<ChangeEvent> events = batch.events().stream()
                .filter(e -> e.table().equals(target.table))
                .toList();
        if (events.isEmpty()) {
            return;
        }
        List<Rejection> refused = new ArrayList<>();
        for (ChangeEvent event : events) {
            if (event.op() == Operation.TRUNCATE) {
                truncateRebuild(target, event, refused);
            }
        }
        RowChanges changes = newestRowChanges(events, alias -> target.watermark, refused);
        for (ItemResult result : write(changes, refused, target.concrete)) {
            count(result, refused);
        }
        java.util.Set<ChangeEvent> already = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        rejections.forEach(r -> already.add(r.event()));
        for (Rejection r : refused) {
            if (already.add(r.event())) {
                rejections.add(new Rejection(r.event(), "rebuilding " + target.concrete + ": " + r.reason()));
            }
        }
    }

    private void truncateRebuild(RebuildTarget target, ChangeEvent truncate, List<Rejection> rejections)
            throws RetryableSinkException {
        try {
            watermarks.record(target.concrete, target.table, truncate.lsn());
            target.watermark = target.watermark == null ? truncate.lsn() : Lsn.max(target.watermark, truncate.lsn());
            for (ItemResult result : truncator.truncate(truncate, target.concrete)) {
                count(result, rejections);
            }
        } catch (IOException | ElasticsearchException e) {
            throw failed("apply the TRUNCATE of " + target.table + " to " + target.concrete, e);
        }
    }

    /** A failure to {@code what} that a retry may clear: Elasticsearch unreachable, or refusing for now. */
    private RetryableSinkException failed(String what, Exception e) {
        String why = e instanceof ElasticsearchException refused
                ? "Elasticsearch refused: " + ElasticsearchErrors.describe(refused)
                : "cannot reach Elasticsearch: " + e;
        return new RetryableSinkException("sink " + name + ": cannot " + what + ": " + why, e);
    }

    @Override
    public void beginRebuild(TableId table) throws RetryableSinkException {
        cancelRebuild(table);
        views.beginRebuild(table);
        if (!mappers.containsKey(table)) {
            return; // only views read it (a view is rebuilt by its root table)
        }
        DocumentMapper mapper = mapper(table);
        String alias = mapper.index();
        List<TableId> sharing = config.tables().entrySet().stream()
                .filter(e -> e.getValue().index().equals(alias) && !e.getKey().equals(table))
                .map(Map.Entry::getKey)
                .toList();
        if (!sharing.isEmpty()) {
            throw new IllegalStateException(
                    "sink " + name + ": index " + alias + " also holds " + sharing
                            + "; rebuild all of them at once, which this version cannot do yet, or give each table its own index");
        }
        IndexManager indexes = new IndexManager(client);
        try {
            List<String> aliased = indexes.concreteIndexes(alias);
            String live = aliased.size() == 1 ? aliased.get(0) : concreteOf(alias);
            int liveGeneration = IndexNames.generationOf(alias, live);
            List<Integer> generations = indexes.generations(alias);
            // above every generation there is, kept old ones included, so a new index never reuses a name
            int next =
                    Math.max(generations.isEmpty() ? 0 : generations.get(generations.size() - 1), liveGeneration) + 1;
            // Generations above the live one were left by rebuilds that did not finish, unless one was live and the
            // alias was pointed back below it by hand (a roll-back to a kept index): that one stays. Kept old
            // generations are below the live one and are not looked at here.
            List<String> above = generations.stream()
                    .filter(n -> n > liveGeneration)
                    .map(n -> IndexNames.generation(alias, n))
                    .toList();
            java.util.Set<String> finished = indexes.finished(above);
            for (String unfinished : above) {
                if (finished.contains(unfinished)) {
                    LOG.info(
                            "sink {}: leaving {} in place: it was live before alias {} was pointed at {}",
                            name,
                            unfinished,
                            alias,
                            live);
                } else {
                    indexes.delete(unfinished); // left by a rebuild that did not finish
                }
            }
            String concrete = IndexNames.generation(alias, next);
            indexes.createGeneration(concrete, config.tables().get(table).indexBody());
            bulkWriter.allowConcrete(concrete);
            rebuilding.put(table, new RebuildTarget(table, alias, concrete));
            LOG.info("sink {}: rebuilding {} into {} (alias {} stays on {})", name, table, concrete, alias, live);
        } catch (IOException | ElasticsearchException e) {
            throw failed("create the new index for " + table, e);
        }
    }

    @Override
    public String rebuildTarget(TableId table) {
        RebuildTarget target = rebuilding.get(table);
        return target == null ? views.rebuildTarget(table) : target.concrete;
    }

    /** Reopens the concrete index a rebuild was filling before a restart, with its own TRUNCATE watermark. */
    @Override
    public boolean resumeRebuild(TableId table, String concrete) throws RetryableSinkException {
        boolean viewsHere = views.hasRootedAt(table);
        if (viewsHere && !views.resumeRebuild(table)) {
            return false; // a view rooted here lost its half-built index: the rebuild starts over
        }
        if (!mappers.containsKey(table)) {
            return viewsHere;
        }
        return resumeTableRebuild(table, concrete);
    }

    private boolean resumeTableRebuild(TableId table, String concrete) throws RetryableSinkException {
        String alias = mapper(table).index();
        if (IndexNames.generationOf(alias, concrete) < 0 || concrete.equals(concreteOf(alias))) {
            return false;
        }
        try {
            if (!client.indices().exists(e -> e.index(concrete)).value()) {
                return false;
            }
            RebuildTarget target = new RebuildTarget(table, alias, concrete);
            target.watermark = watermarks.load(List.of(concrete)).get(concrete);
            bulkWriter.allowConcrete(concrete);
            rebuilding.put(table, target);
            LOG.info("sink {}: resuming the rebuild of {} into {}", name, table, concrete);
            return true;
        } catch (IOException | ElasticsearchException e) {
            throw failed("resume the rebuild into " + concrete, e);
        }
    }

    /**
     * Writes a chunk's rows into the new index at version 0. A row that cannot be mapped, or that Elasticsearch
     * refuses (typically a changed {@code mapping} the row does not fit), is returned as a rejection of a
     * {@code SNAPSHOT} change at {@code Lsn.ZERO}, for the service to dead-letter; the rebuild goes on.
     */
    @Override
    public List<Rejection> backfill(TableId table, List<ChunkRow> rows, boolean endOfTable)
            throws RetryableSinkException {
        List<Rejection> viewRejections = new ArrayList<>();
        views.backfill(table, rows, viewRejections);
        if (!mappers.containsKey(table)) {
            return viewRejections;
        }
        RebuildTarget target = rebuilding.get(table);
        if (target == null) {
            throw new IllegalStateException("sink " + name + ": backfill of " + table + " without beginRebuild");
        }
        List<Rejection> rejections = new ArrayList<>(backfillRows(target, table, rows));
        rejections.addAll(viewRejections);
        return rejections;
    }

    private List<Rejection> backfillRows(RebuildTarget target, TableId table, List<ChunkRow> rows)
            throws RetryableSinkException {
        if (target.watermark != null || rows.isEmpty()) {
            // a TRUNCATE reached the new index after this chunk was read; the stream re-creates its rows
            return List.of();
        }
        DocumentMapper mapper = mapper(table);
        java.time.Instant readAt = clock.instant();
        List<DocumentWrite> writes = new ArrayList<>(rows.size());
        List<Rejection> rejections = new ArrayList<>();
        long sequence = 0;
        for (ChunkRow row : rows) {
            ChangeEvent read = new ChangeEvent(
                    table,
                    Operation.SNAPSHOT,
                    row.key(),
                    null,
                    row.row(),
                    new io.cdcfanout.schema.SourcePosition(Lsn.ZERO, 0, readAt, ++sequence));
            try {
                writes.add(mapper.toWrite(read).withIndex(target.concrete));
            } catch (UnmappableChangeException e) {
                rejections.add(new Rejection(read, "rebuilding " + target.concrete + ": " + e.getMessage()));
            }
        }
        List<DocumentWrite> landedOnChanges = new ArrayList<>();
        for (ItemResult result : bulkWriter.write(writes)) {
            switch (result.outcome()) {
                case APPLIED -> metrics.index(target.concrete).indexed().increment();
                case STALE -> landedOnChanges.add(result.write());
                case REJECTED ->
                    rejections.add(new Rejection(
                            result.write().event(),
                            "rebuilding " + target.concrete + ": Elasticsearch refused document "
                                    + result.write().id() + ": " + result.reason()));
                case RETRYABLE -> throw new IllegalStateException("BulkWriter returned a retryable item: " + result);
            }
        }
        fillMissingColumns(target, landedOnChanges);
        if (!rejections.isEmpty()) {
            LOG.warn(
                    "sink {}: rebuild of {}: {} chunk row(s) refused, first: {} ({})",
                    name,
                    table,
                    rejections.size(),
                    rejections.get(0).event().key(),
                    rejections.get(0).reason());
        }
        return rejections;
    }

    /**
     * Where a chunk row met a streamed change, the change stays; if it is an update that could not know its
     * unchanged TOAST columns ({@code _cdc.missing}), they are taken from the chunk row, at the change's version.
     */
    private void fillMissingColumns(RebuildTarget target, List<DocumentWrite> chunkWrites)
            throws RetryableSinkException {
        if (chunkWrites.isEmpty()) {
            return;
        }
        Map<String, DocumentWrite> byId = new LinkedHashMap<>();
        chunkWrites.forEach(w -> byId.put(w.id(), w));
        List<DocumentWrite> filled = new ArrayList<>();
        try {
            var response = client.mget(
                    m -> m.index(target.concrete)
                            .ids(List.copyOf(byId.keySet()))
                            .realtime(true),
                    com.fasterxml.jackson.databind.node.ObjectNode.class);
            for (var item : response.docs()) {
                if (item.isFailure() || !item.result().found() || item.result().source() == null) {
                    continue;
                }
                var found = item.result().source();
                var missing = found.path(DocumentMapper.META_FIELD).path(DocumentMapper.MISSING);
                if (!missing.isArray() || missing.isEmpty()) {
                    continue;
                }
                DocumentWrite chunk = byId.get(item.result().id());
                var chunkSource = io.cdcfanout.schema.RowJson.MAPPER.readTree(chunk.source());
                for (var column : missing) {
                    if (chunkSource.has(column.asText())) {
                        found.set(column.asText(), chunkSource.get(column.asText()));
                    }
                }
                ((com.fasterxml.jackson.databind.node.ObjectNode) found.get(DocumentMapper.META_FIELD))
                        .remove(DocumentMapper.MISSING);
                filled.add(new DocumentWrite(
                        chunk.event(),
                        target.concrete,
                        chunk.id(),
                        item.result().version(),
                        false,
                        io.cdcfanout.schema.RowJson.MAPPER.writeValueAsBytes(found),
                        java.util.Set.of()));
            }
        } catch (IOException | ElasticsearchException e) {
            throw failed("read " + target.concrete + " to fill unknown columns", e);
        }
        bulkWriter.write(filled); // a newer change meanwhile wins by its version; nothing else to check
    }

    @Override
    public void finishRebuild(TableId table) throws RetryableSinkException {
        views.finishRebuild(table, config.keepOldIndexes());
        if (!mappers.containsKey(table)) {
            return;
        }
        RebuildTarget target = rebuilding.get(table);
        if (target == null) {
            throw new IllegalStateException("sink " + name + ": finishRebuild of " + table + " without beginRebuild");
        }
        IndexManager indexes = new IndexManager(client);
        try {
            client.indices().refresh(r -> r.index(target.concrete));
            List<String> old = indexes.concreteIndexes(target.alias);
            indexes.markFinished(target.concrete); // before it is live, so it can never pass for a half-built one
            if (!old.equals(List.of(target.concrete))) {
                indexes.swap(
                        target.alias,
                        old.stream().filter(o -> !o.equals(target.concrete)).toList(),
                        target.concrete);
            }
            liveConcrete.put(target.alias, target.concrete);
            if (target.watermark == null) {
                truncateWatermarks.remove(target.alias);
            } else {
                truncateWatermarks.put(target.alias, target.watermark);
            }
            rebuilding.remove(table);
            bulkWriter.forgetConcrete(target.concrete);
            List<String> previous = previousGenerations(indexes, target, old);
            int keep = Math.min(config.keepOldIndexes(), previous.size());
            for (String o : previous.subList(keep, previous.size())) {
                indexes.delete(o);
                indexes.forgetFinished(o);
            }
            LOG.info(
                    "sink {}: {} rebuilt; alias {} now on {}{}",
                    name,
                    table,
                    target.alias,
                    target.concrete,
                    keep == 0 ? "" : "; kept " + previous.subList(0, keep) + " (keep-old-indexes " + keep + ")");
        } catch (IOException | ElasticsearchException e) {
            throw failed("move alias " + target.alias + " to " + target.concrete, e);
        }
    }

    /**
     * The concrete indexes behind {@code target}'s alias other than the new live one, in the order
     * {@code keep-old-indexes} keeps them: the ones the alias just left, then the other generations, newest first.
     * No half-built generation is among them: the rebuild that is finishing deleted those when it began, and
     * builds the highest generation.
     */
    private static List<String> previousGenerations(IndexManager indexes, RebuildTarget target, List<String> left)
            throws IOException {
        List<String> previous = new ArrayList<>();
        left.stream().filter(o -> !o.equals(target.concrete)).forEach(previous::add);
        List<Integer> generations = new ArrayList<>(indexes.generations(target.alias));
        java.util.Collections.reverse(generations);
        for (int n : generations) {
            String concrete = IndexNames.generation(target.alias, n);
            if (!concrete.equals(target.concrete) && !previous.contains(concrete)) {
                previous.add(concrete);
            }
        }
        return previous;
    }

    @Override
    public void cancelRebuild(TableId table) {
        views.cancelRebuild(table);
        RebuildTarget target = rebuilding.remove(table);
        if (target == null) {
            return;
        }
        bulkWriter.forgetConcrete(target.concrete);
        try {
            new IndexManager(client).delete(target.concrete);
        } catch (IOException | RuntimeException e) {
            LOG.warn("sink {}: could not delete the half-built {}: {}", name, target.concrete, e.toString());
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
        List<String> aliases = new ArrayList<>(
                config.tables().values().stream().map(TableOptions::index).toList());
        aliases.addAll(views.aliases());
        started.indices().refresh(r -> r.index(aliases));
    }

    @Override
    public synchronized void close() {
        views.close();
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
