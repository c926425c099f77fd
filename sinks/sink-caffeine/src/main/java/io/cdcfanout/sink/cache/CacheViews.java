package io.cdcfanout.sink.cache;

import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.RetryableSinkException;
import io.cdcfanout.sink.SinkContext;
import io.cdcfanout.sink.ViewReader.ViewEntry;
import io.cdcfanout.sink.view.ViewDocument;
import io.cdcfanout.sink.view.ViewMaintainer;
import io.cdcfanout.sink.view.ViewMetrics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The views a cache serves: every document of each view in memory (not bounded by {@code max-entries}: a view
 * document that was evicted could not be answered without a render), rendered at start and kept in step by a
 * {@link ViewMaintainer}. An entry is replaced only by a render at a version at least as high, so a reader never
 * sees a document go back; a rebuild renders into a new map and swaps it in one step.
 */
final class CacheViews implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CacheViews.class);
    private static final int PAGE = 500;

    private static final class View {
        final ViewMaintainer maintainer;
        final ViewMetrics meters;
        volatile ConcurrentHashMap<String, ViewEntry> documents = new ConcurrentHashMap<>();

        View(ViewMaintainer maintainer, ViewMetrics meters) {
            this.maintainer = maintainer;
            this.meters = meters;
        }
    }

    private final String sink;
    private final Map<String, View> views = new LinkedHashMap<>();

    CacheViews(String sink, List<String> names, SinkContext context) {
        this.sink = sink;
        for (String name : names) {
            views.put(
                    name,
                    new View(
                            new ViewMaintainer(
                                    sink, name, context.views().get(name), context.source(), context.rowPolicy(), PAGE),
                            new ViewMetrics(context.meters(), sink, name)));
        }
    }

    boolean isEmpty() {
        return views.isEmpty();
    }

    void start() throws RetryableSinkException {
        for (var entry : views.entrySet()) {
            entry.getValue().maintainer.start();
            build(entry.getKey(), entry.getValue());
        }
    }

    void apply(List<ChangeEvent> events) throws RetryableSinkException {
        for (var entry : views.entrySet()) {
            View view = entry.getValue();
            var plan = view.maintainer.plan(events);
            if (plan.truncated()) {
                build(entry.getKey(), view);
                continue;
            }
            long started = System.nanoTime();
            var rendered = view.maintainer.apply(plan, (page, version) -> put(view.documents, page, version));
            if (rendered.documents() > 0) {
                view.meters.rendered(rendered.documents(), System.nanoTime() - started);
            }
        }
    }

    /** Renders the views rooted at {@code table} into new maps and swaps them in. */
    void rebuild(TableId table) throws RetryableSinkException {
        for (var entry : views.entrySet()) {
            if (entry.getValue().maintainer.rootTable().equals(table)) {
                build(entry.getKey(), entry.getValue());
            }
        }
    }

    private void build(String name, View view) throws RetryableSinkException {
        long started = System.nanoTime();
        ConcurrentHashMap<String, ViewEntry> fresh = new ConcurrentHashMap<>();
        long documents = view.maintainer.renderAll((page, version) -> put(fresh, page, version));
        view.documents = fresh; // runs on the lane, so no change was applied to the old map meanwhile
        view.meters.rendered(documents, System.nanoTime() - started);
        LOG.info(
                "cache {}: view {} built: {} document(s) in {} ms",
                sink,
                name,
                documents,
                (System.nanoTime() - started) / 1_000_000);
    }

    private static void put(Map<String, ViewEntry> documents, List<ViewDocument> page, Lsn version) {
        for (ViewDocument document : page) {
            if (document.deleted()) {
                documents.remove(document.id());
            } else {
                documents.merge(
                        document.id(),
                        new ViewEntry(document.document(), version),
                        (old, now) -> old.version().isAfter(now.version()) ? old : now);
            }
        }
    }

    boolean serves(String view) {
        return views.containsKey(view);
    }

    ViewMaintainer maintainer(String view) {
        return views.get(view).maintainer;
    }

    ViewEntry get(String view, String id) {
        View v = views.get(view);
        return v == null ? null : v.documents.get(id);
    }

    @Override
    public void close() {
        views.values().forEach(v -> v.maintainer.close());
    }
}
