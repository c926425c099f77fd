package io.cdcfanout.sink.search;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.Operation;
import io.cdcfanout.schema.RowJson;
import io.cdcfanout.schema.RowKey;
import io.cdcfanout.schema.SourcePosition;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.Rejection;
import io.cdcfanout.sink.RetryableSinkException;
import io.cdcfanout.sink.SinkContext;
import io.cdcfanout.sink.search.BulkWriter.ItemResult;
import io.cdcfanout.sink.search.ElasticsearchSinkConfig.ViewOptions;
import io.cdcfanout.sink.view.ViewDefinition;
import io.cdcfanout.sink.view.ViewDocument;
import io.cdcfanout.sink.view.ViewMaintainer;
import io.cdcfanout.sink.view.ViewMetrics;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The view indexes of one Elasticsearch sink: one alias per view over {@code <index>_v1}, each document a joined
 * root rendered by a {@link ViewMaintainer} and written with {@code version = } the render's version
 * ({@code external_gte}), a deleted root as a tombstone the alias hides.
 *
 * <p>A view is built whole (every root rendered, then a sweep) when its index is new or its definition changed
 * (recorded per concrete index with a hash of the definition), after a TRUNCATE of one of its tables, and when the
 * service rebuilds one of its tables. The sweep re-renders every live document the build did not write (their
 * version is below the build's first): those are roots that are gone, so they become tombstones.
 */
final class ViewIndexes implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ViewIndexes.class);
    private static final int PAGE = 500;

    private final String sink;
    private final Clock clock;
    private final ElasticsearchSinkMetrics metrics;
    private final List<View> views = new ArrayList<>();

    private static final class View {
        final String name;
        final ViewOptions options;
        final ViewMaintainer maintainer;
        final ViewMetrics meters;
        final String definitionHash;
        final DocumentIdTemplate ids;
        boolean built;
        String rebuildTarget; // the next concrete index a rebuild fills, or null

        View(String name, ViewOptions options, ViewMaintainer maintainer, ViewMetrics meters, String hash) {
            this.name = name;
            this.options = options;
            this.maintainer = maintainer;
            this.meters = meters;
            this.definitionHash = hash;
            this.ids = DocumentIdTemplate.parse(options.id());
        }
    }

    private ElasticsearchClient client;
    private BulkWriter bulk;

    ViewIndexes(String sink, ElasticsearchSinkConfig config, SinkContext context, ElasticsearchSinkMetrics metrics) {
        this.sink = sink;
        this.clock = context.clock();
        this.metrics = metrics;
        config.viewIndexes().forEach((name, options) -> {
            ViewDefinition definition = context.views().get(name);
            views.add(new View(
                    name,
                    options,
                    new ViewMaintainer(sink, name, definition, context.source(), context.rowPolicy(), PAGE),
                    new ViewMetrics(context.meters(), sink, name),
                    Integer.toHexString(definition.hashCode())));
        });
    }

    boolean isEmpty() {
        return views.isEmpty();
    }

    List<String> aliases() {
        return views.stream().map(v -> v.options.index()).toList();
    }

    /** The root tables of the views, which a rebuild of the sink renders again. */
    Set<TableId> tables() {
        Set<TableId> tables = new LinkedHashSet<>();
        views.forEach(v -> tables.addAll(v.maintainer.definition().tables()));
        return tables;
    }

    void start(ElasticsearchClient client, BulkWriter bulk, IndexManager indexes)
            throws IOException, RetryableSinkException {
        this.client = client;
        this.bulk = bulk;
        for (View view : views) {
            view.maintainer.start();
            try {
                List<String> probe =
                        view.maintainer.rootKey().stream().map(c -> "x").toList();
                view.ids.render(new RowKey(view.maintainer.rootKey(), List.copyOf(probe)));
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("sink " + sink + ": views." + view.name + ".id: " + e.getMessage(), e);
            }
            indexes.ensureIndex(view.options.index(), view.options.indexBody());
            view.built = !indexes.finished(List.of(buildMark(view))).isEmpty();
        }
    }

    private String buildMark(View view) throws IOException {
        List<String> concrete = new IndexManager(client).concreteIndexes(view.options.index());
        String live = concrete.size() == 1 ? concrete.get(0) : IndexNames.concreteIndex(view.options.index());
        return live + "@view-" + view.definitionHash;
    }

    /** Applies a batch: builds views not built yet, then re-renders what the changes affect. */
    void apply(List<ChangeEvent> events, List<Rejection> rejections) throws RetryableSinkException {
        for (View view : views) {
            var plan = view.maintainer.plan(events);
            if (!view.built || plan.truncated()) {
                build(view, rejections);
                continue; // the build read the database after these changes committed
            }
            long started = System.nanoTime();
            ViewMaintainer.Rendered rendered = view.maintainer.apply(plan, (page, version) -> {
                write(view, view.options.index(), page, version, rejections);
                if (view.rebuildTarget != null) {
                    write(view, view.rebuildTarget, page, version, rejections);
                }
            });
            if (rendered.documents() > 0) {
                view.meters.rendered(rendered.documents(), System.nanoTime() - started);
            }
        }
    }

    boolean hasRootedAt(TableId table) {
        return !rootedAt(table).isEmpty();
    }

    private List<View> rootedAt(TableId table) {
        return views.stream()
                .filter(v -> v.maintainer.rootTable().equals(table))
                .toList();
    }

    /**
     * Step 1 of a rebuild of {@code table}, for the views rooted at it: the next concrete index
     * {@code <index>_v<n+1>} with the configured mapping; from now on every render goes to the live index and to it.
     * Generations above the live one that never went live are left by rebuilds that did not finish: dropped.
     */
    void beginRebuild(TableId table) throws RetryableSinkException {
        for (View view : rootedAt(table)) {
            cancelRebuild(view);
            String alias = view.options.index();
            try {
                IndexManager indexes = new IndexManager(client);
                List<String> live = indexes.concreteIndexes(alias);
                int liveGeneration = live.size() == 1 ? IndexNames.generationOf(alias, live.get(0)) : 1;
                List<Integer> generations = indexes.generations(alias);
                int next = Math.max(generations.isEmpty() ? 0 : generations.get(generations.size() - 1), liveGeneration)
                        + 1;
                for (int n : generations) {
                    String g = IndexNames.generation(alias, n);
                    if (n > liveGeneration && indexes.finished(List.of(g)).isEmpty()) {
                        indexes.delete(g);
                    }
                }
                String concrete = IndexNames.generation(alias, next);
                indexes.createGeneration(concrete, view.options.indexBody());
                bulk.allowConcrete(concrete);
                view.rebuildTarget = concrete;
                LOG.info(
                        "sink {}: rebuilding view {} into {} (alias {} stays on {})",
                        sink,
                        view.name,
                        concrete,
                        alias,
                        live);
            } catch (IOException | ElasticsearchException e) {
                throw new RetryableSinkException(
                        "sink " + sink + ": cannot create the new index of view " + view.name + ": " + e, e);
            }
        }
    }

    /** The concrete index a rebuild of the views rooted at {@code table} fills, or null. */
    String rebuildTarget(TableId table) {
        return rootedAt(table).stream()
                .map(v -> v.rebuildTarget)
                .filter(java.util.Objects::nonNull)
                .findFirst()
                .orElse(null);
    }

    /**
     * After a restart: carries on filling the highest generation of each view rooted at {@code table} that never
     * went live; false when a view has none (the service then begins the rebuild anew).
     */
    boolean resumeRebuild(TableId table) throws RetryableSinkException {
        List<View> rooted = rootedAt(table);
        try {
            IndexManager indexes = new IndexManager(client);
            for (View view : rooted) {
                String alias = view.options.index();
                List<String> live = indexes.concreteIndexes(alias);
                int liveGeneration = live.size() == 1 ? IndexNames.generationOf(alias, live.get(0)) : 1;
                List<Integer> generations = indexes.generations(alias);
                int top = generations.isEmpty() ? 0 : generations.get(generations.size() - 1);
                String concrete = IndexNames.generation(alias, top);
                if (top <= liveGeneration
                        || !indexes.finished(List.of(concrete)).isEmpty()) {
                    return false;
                }
                bulk.allowConcrete(concrete);
                view.rebuildTarget = concrete;
                LOG.info("sink {}: resuming the rebuild of view {} into {}", sink, view.name, concrete);
            }
            return !rooted.isEmpty();
        } catch (IOException | ElasticsearchException e) {
            throw new RetryableSinkException("sink " + sink + ": cannot resume the rebuild of " + table + ": " + e, e);
        }
    }

    /** Step 2: renders the chunk's roots into the new index (the version orders them against the stream's). */
    void backfill(
            TableId table, List<io.cdcfanout.sink.jdbc.ChunkedTableReader.ChunkRow> rows, List<Rejection> rejections)
            throws RetryableSinkException {
        for (View view : rootedAt(table)) {
            if (view.rebuildTarget == null || rows.isEmpty()) {
                continue;
            }
            List<List<String>> keys = new ArrayList<>(rows.size());
            for (var row : rows) {
                List<String> texts = new ArrayList<>();
                row.key().values().forEach(v -> texts.add(io.cdcfanout.schema.KeyCodec.valueText(v)));
                keys.add(texts);
            }
            String target = view.rebuildTarget;
            long started = System.nanoTime();
            long rendered = view.maintainer
                    .render(keys, (page, version) -> write(view, target, page, version, rejections))
                    .documents();
            view.meters.rendered(rendered, System.nanoTime() - started);
        }
    }

    /** Step 3: the alias moves to the new index in one request; the old one is deleted (or kept, by config). */
    void finishRebuild(TableId table, int keepOld) throws RetryableSinkException {
        for (View view : rootedAt(table)) {
            String target = view.rebuildTarget;
            if (target == null) {
                continue;
            }
            String alias = view.options.index();
            try {
                IndexManager indexes = new IndexManager(client);
                client.indices().refresh(r -> r.index(target));
                List<String> old = indexes.concreteIndexes(alias);
                indexes.markFinished(target);
                indexes.markFinished(target + "@view-" + view.definitionHash);
                indexes.swap(alias, old.stream().filter(o -> !o.equals(target)).toList(), target);
                view.rebuildTarget = null;
                view.built = true;
                bulk.forgetConcrete(target);
                List<String> previous = new ArrayList<>(
                        old.stream().filter(o -> !o.equals(target)).toList());
                for (String o : previous.subList(Math.min(keepOld, previous.size()), previous.size())) {
                    indexes.delete(o);
                    indexes.forgetFinished(o);
                }
                LOG.info("sink {}: view {} rebuilt; alias {} now on {}", sink, view.name, alias, target);
            } catch (IOException | ElasticsearchException e) {
                throw new RetryableSinkException(
                        "sink " + sink + ": cannot move alias " + alias + " to " + target + ": " + e, e);
            }
        }
    }

    void cancelRebuild(TableId table) {
        rootedAt(table).forEach(this::cancelRebuild);
    }

    private void cancelRebuild(View view) {
        String target = view.rebuildTarget;
        if (target == null) {
            return;
        }
        view.rebuildTarget = null;
        bulk.forgetConcrete(target);
        try {
            new IndexManager(client).delete(target);
        } catch (IOException | RuntimeException e) {
            LOG.warn("sink {}: could not delete the half-built {}: {}", sink, target, e.toString());
        }
    }

    private void build(View view, List<Rejection> rejections) throws RetryableSinkException {
        long started = System.nanoTime();
        Lsn[] first = new Lsn[1];
        long documents = view.maintainer.renderAll((page, version) -> {
            if (first[0] == null) {
                first[0] = version;
            }
            write(view, view.options.index(), page, version, rejections);
        });
        long swept = sweep(view, first[0], rejections);
        try {
            new IndexManager(client).markFinished(buildMark(view));
        } catch (IOException | ElasticsearchException e) {
            throw new RetryableSinkException("sink " + sink + ": cannot record the build of view " + view.name, e);
        }
        view.built = true;
        view.meters.rendered(documents + swept, System.nanoTime() - started);
        LOG.info(
                "sink {}: view {} built: {} document(s) rendered, {} left-over document(s) removed, in {} ms",
                sink,
                view.name,
                documents,
                swept,
                (System.nanoTime() - started) / 1_000_000);
    }

    /** Renders again every live document older than {@code since}: its root is gone (or it is rendered anew). */
    private long sweep(View view, Lsn since, List<Rejection> rejections) throws RetryableSinkException {
        long swept = 0;
        try {
            client.indices().refresh(r -> r.index(view.options.index()));
            List<co.elastic.clients.elasticsearch._types.FieldValue> after = null;
            while (true) {
                var searchAfter = after;
                var response = client.search(
                        s -> {
                            s.index(view.options.index())
                                    .size(PAGE)
                                    .source(src -> src.filter(f -> f.includes(DocumentMapper.META_FIELD + ".key")))
                                    .sort(o -> o.field(f -> f.field(DocumentMapper.VERSION_FIELD)))
                                    .sort(o -> o.field(f -> f.field(DocumentMapper.META_FIELD + ".id")));
                            if (since != null) {
                                s.query(q -> q.range(r -> r.number(n ->
                                        n.field(DocumentMapper.VERSION_FIELD).lt((double) since.value()))));
                            }
                            if (searchAfter != null) {
                                s.searchAfter(searchAfter);
                            }
                            return s;
                        },
                        ObjectNode.class);
                var hits = response.hits().hits();
                if (hits.isEmpty()) {
                    return swept;
                }
                List<List<String>> keys = new ArrayList<>();
                for (var hit : hits) {
                    var key = hit.source() == null
                            ? null
                            : hit.source().path(DocumentMapper.META_FIELD).get("key");
                    if (key instanceof ArrayNode array) {
                        List<String> texts = new ArrayList<>();
                        array.forEach(v -> texts.add(v.asText()));
                        keys.add(texts);
                    }
                }
                swept += view.maintainer
                        .render(keys, (page, version) -> write(view, view.options.index(), page, version, rejections))
                        .documents();
                if (hits.size() < PAGE) {
                    return swept;
                }
                after = hits.get(hits.size() - 1).sort();
            }
        } catch (IOException | ElasticsearchException e) {
            throw new RetryableSinkException(
                    "sink " + sink + ": cannot sweep view " + view.name + ": " + e.getMessage(), e);
        }
    }

    private void write(View view, String alias, List<ViewDocument> page, Lsn version, List<Rejection> rejections)
            throws RetryableSinkException {
        List<DocumentWrite> writes = new ArrayList<>(page.size());
        for (ViewDocument document : page) {
            writes.add(new DocumentWrite(
                    event(view, document, version),
                    alias,
                    view.ids.render(new RowKey(view.maintainer.rootKey(), List.copyOf(document.keyTexts()))),
                    version.value(),
                    document.deleted(),
                    source(document, version),
                    Set.of()));
        }
        for (ItemResult result : bulk.write(writes)) {
            ElasticsearchSinkMetrics.Meters meters = metrics.index(alias);
            switch (result.outcome()) {
                case APPLIED -> (result.write().tombstone() ? meters.deleted() : meters.indexed()).increment();
                case STALE -> meters.versionConflicts().increment();
                case REJECTED ->
                    rejections.add(new Rejection(
                            result.write().event(),
                            "view " + view.name + ": Elasticsearch refused document " + alias + "/"
                                    + result.write().id() + ": " + result.reason()));
                case RETRYABLE -> throw new IllegalStateException("BulkWriter returned a retryable item: " + result);
            }
        }
    }

    /** The change a document write stands for, for rejections: the root row at the render's version. */
    private ChangeEvent event(View view, ViewDocument document, Lsn version) {
        TableId root = view.maintainer.rootTable();
        RowKey key = new RowKey(view.maintainer.rootKey(), List.copyOf(document.keyTexts()));
        SourcePosition at = new SourcePosition(version, 0, clock.instant(), 0);
        return document.deleted()
                ? new ChangeEvent(root, Operation.DELETE, key, null, null, at)
                : new ChangeEvent(root, Operation.SNAPSHOT, key, null, document.root(), at);
    }

    private static byte[] source(ViewDocument document, Lsn version) throws RetryableSinkException {
        ObjectNode source = document.deleted()
                ? RowJson.MAPPER.createObjectNode()
                : document.document().deepCopy();
        ObjectNode meta = source.putObject(DocumentMapper.META_FIELD);
        meta.put("deleted", document.deleted());
        meta.put("version", version.value());
        meta.put("lsn", version.toString());
        meta.put("id", document.id());
        ArrayNode key = meta.putArray("key");
        document.keyTexts().forEach(key::add);
        try {
            return RowJson.MAPPER.writeValueAsBytes(source);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialize a view document", e);
        }
    }

    /** Every view index's alias, for a refresh. */
    Map<String, String> byAlias() {
        java.util.LinkedHashMap<String, String> out = new java.util.LinkedHashMap<>();
        views.forEach(v -> out.put(v.options.index(), v.name));
        return out;
    }

    @Override
    public void close() {
        views.forEach(v -> v.maintainer.close());
    }
}
