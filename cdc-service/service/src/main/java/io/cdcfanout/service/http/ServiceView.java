package io.cdcfanout.service.http;

import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.service.pipeline.RebuildOptions;
import io.cdcfanout.service.pipeline.RebuildStatus;
import io.cdcfanout.service.pipeline.SinkStatus;
import io.cdcfanout.sink.HistoryReader;
import io.cdcfanout.sink.LatestRowReader;
import io.cdcfanout.sink.Sink;
import java.util.List;
import java.util.Optional;

/** What the HTTP API may see of the running service. */
public interface ServiceView {

    /** True while the engine streams (or snapshots) from the slot. */
    boolean streaming();

    List<SinkStatus> sinkStatuses();

    /** Source-side figures for {@code /status}: slot, positions, lag. */
    SourceStatus sourceStatus();

    List<LatestRowReader> rowReaders();

    List<HistoryReader> historyReaders();

    /** The views the configuration defines. */
    default io.cdcfanout.sink.view.ViewCatalog viewCatalog() {
        return io.cdcfanout.sink.view.ViewCatalog.EMPTY;
    }

    /** The names of the views sink {@code sink} serves. */
    default java.util.Set<String> viewsOf(String sink) {
        return java.util.Set.of();
    }

    /** The sinks that serve view documents ({@code /cache/views/...}). */
    default List<io.cdcfanout.sink.ViewReader> viewReaders() {
        return sinks().stream()
                .filter(io.cdcfanout.sink.ViewReader.class::isInstance)
                .map(io.cdcfanout.sink.ViewReader.class::cast)
                .toList();
    }

    /** The running sinks, in the order of {@link #sinkStatuses()} (so the same index names the same sink). */
    List<Sink> sinks();

    /**
     * Writes a fence into the WAL (a committed logical decoding message) and returns its position. The
     * fence stands after every transaction that committed before this call, so any position taken
     * before the call (such as a client's {@code min_lsn}) is reached by the pipeline once it has
     * passed the fence, even when no other change follows.
     */
    Lsn fence() throws Exception;

    /** Pauses the named sink (see {@code Pipeline.pause}); empty when there is no such sink. */
    Optional<SinkStatus> pauseSink(String name);

    /** Resumes the named sink; empty when there is no such sink. */
    Optional<SinkStatus> resumeSink(String name);

    /**
     * Queues a rebuild of the named sink's view of {@code table} (every table of the sink when empty); see
     * {@code Rebuilds#request}.
     *
     * @throws java.util.NoSuchElementException        when there is no such sink
     * @throws UnsupportedOperationException           when the sink cannot rebuild
     * @throws IllegalArgumentException                when the sink does not hold the table
     * @throws IllegalStateException                   when the service is not streaming yet
     */
    default List<RebuildStatus> rebuild(String sink, Optional<TableId> table, RebuildOptions options) {
        throw new UnsupportedOperationException("this service cannot rebuild sinks");
    }

    /** Cancels the named sink's queued and running rebuilds (of {@code table}, when given). */
    default List<RebuildStatus> cancelRebuild(String sink, Optional<TableId> table) {
        throw new UnsupportedOperationException("this service cannot rebuild sinks");
    }

    /** The named sink's recent rebuilds, oldest first; empty when none or no such sink. */
    default List<RebuildStatus> rebuildStatuses(String sink) {
        return List.of();
    }

    /** Prometheus text exposition of every metric. */
    String scrapeMetrics();
}
