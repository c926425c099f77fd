package io.cdcfanout.service.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.service.pipeline.RebuildStatus;
import io.cdcfanout.service.pipeline.SinkStatus;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** The body of {@code /status}: the source's figures and each sink's, by sink name. */
@JsonPropertyOrder({"source", "sinks", "views"})
record StatusBody(
        @JsonProperty("source") SourceStatus source,
        @JsonProperty("sinks") Map<String, Sink> sinks,

        @JsonProperty("views") @JsonInclude(JsonInclude.Include.NON_EMPTY)
        Map<String, View> views) {

    /** A view: its root table, the tables it reads, and the state of each sink serving it. */
    @JsonPropertyOrder({"root", "tables", "sinks"})
    record View(
            @JsonProperty("root") String root,
            @JsonProperty("tables") List<String> tables,
            @JsonProperty("sinks") Map<String, String> sinks) {}

    static StatusBody of(SourceStatus source, List<SinkStatus> sinks) {
        return of(
                source, sinks, name -> List.of(), io.cdcfanout.sink.view.ViewCatalog.EMPTY, name -> java.util.Set.of());
    }

    static StatusBody of(SourceStatus source, List<SinkStatus> sinks, Function<String, List<RebuildStatus>> rebuilds) {
        return of(source, sinks, rebuilds, io.cdcfanout.sink.view.ViewCatalog.EMPTY, name -> java.util.Set.of());
    }

    static StatusBody of(
            SourceStatus source,
            List<SinkStatus> sinks,
            Function<String, List<RebuildStatus>> rebuilds,
            io.cdcfanout.sink.view.ViewCatalog catalog,
            Function<String, java.util.Set<String>> viewsOfSink) {
        Map<String, View> views = new LinkedHashMap<>();
        catalog.views().forEach((name, definition) -> {
            Map<String, String> serving = new LinkedHashMap<>();
            for (SinkStatus s : sinks) {
                if (viewsOfSink.apply(s.name()).contains(name)) {
                    serving.put(s.name(), s.state().name());
                }
            }
            views.put(
                    name,
                    new View(
                            definition.table().toString(),
                            definition.tables().stream().map(Object::toString).toList(),
                            serving));
        });
        Map<String, Sink> byName = new LinkedHashMap<>();
        for (SinkStatus s : sinks) {
            byName.put(
                    s.name(),
                    new Sink(
                            s.type(),
                            s.state().name(),
                            s.lastAppliedLsn(),
                            s.lastCommitTime(),
                            s.lagMillis(),
                            s.applied(),
                            s.rejected(),
                            s.retries(),
                            s.lastError(),
                            rebuilds.apply(s.name())));
        }
        return new StatusBody(source, byName, views);
    }

    /** One sink, as served; see {@link SinkStatus} for what each figure means. */
    @JsonPropertyOrder({
        "type",
        "state",
        "last_applied_lsn",
        "last_commit_time",
        "lag_ms",
        "applied",
        "rejected",
        "retries",
        "last_error",
        "rebuilds"
    })
    record Sink(
            @JsonProperty("type") String type,
            @JsonProperty("state") String state,

            @JsonProperty("last_applied_lsn") @JsonSerialize(using = ToStringSerializer.class)
            Lsn lastAppliedLsn,

            @JsonProperty("last_commit_time") @JsonSerialize(using = ToStringSerializer.class)
            Instant lastCommitTime,

            @JsonProperty("lag_ms") long lagMillis,
            @JsonProperty("applied") long applied,
            @JsonProperty("rejected") long rejected,
            @JsonProperty("retries") long retries,
            @JsonProperty("last_error") String lastError,

            @JsonProperty("rebuilds") @JsonInclude(JsonInclude.Include.NON_EMPTY)
            List<RebuildStatus> rebuilds) {}
}
