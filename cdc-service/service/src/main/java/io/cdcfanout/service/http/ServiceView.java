package io.cdcfanout.service.http;

import io.cdcfanout.schema.Lsn;
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

    /** Prometheus text exposition of every metric. */
    String scrapeMetrics();
}
