package io.cdcfanout.service.config;

import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.BoundSink;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The whole configuration file, validated. Built by {@link ConfigLoader}; every record below it checks
 * its own values when constructed, so a {@code ServiceConfig} that exists is usable.
 *
 * @param sinks each configured sink by name, in file order, already paired with the factory of its type
 * @param lag   each sink's {@code on-lag} / {@code max-lag}, by sink name; absent ones get their type's default
 */
public record ServiceConfig(
        SourceConfig source,
        OffsetsConfig offsets,
        HttpConfig http,
        Map<String, BoundSink<?>> sinks,
        Map<String, LagPolicy> lag) {

    public ServiceConfig {
        Validation.require(source, "source");
        offsets = offsets == null ? OffsetsConfig.DEFAULT : offsets;
        http = http == null ? HttpConfig.DEFAULT : http;
        Validation.require(sinks, "sinks");
        if (sinks.isEmpty()) {
            throw new IllegalArgumentException("'sinks' is empty: configure at least one sink");
        }
        sinks.forEach((name, sink) -> {
            Validation.require(sink, "sinks." + name);
            List<TableId> unknown = sink.config().sourceTables().stream()
                    .filter(t -> !source.tables().contains(t))
                    .toList();
            if (!unknown.isEmpty()) {
                throw new IllegalArgumentException(
                        "sink '" + name + "' names table(s) " + unknown + " that are not in source.tables "
                                + source.tables() + ": add them there or remove them from the sink");
            }
        });
        sinks = Collections.unmodifiableMap(new LinkedHashMap<>(sinks));
        Map<String, LagPolicy> policies = new LinkedHashMap<>();
        for (var sink : sinks.entrySet()) {
            LagPolicy given = lag == null ? null : lag.get(sink.getKey());
            policies.put(
                    sink.getKey(),
                    given != null ? given : LagPolicy.defaultFor(sink.getValue().type()));
        }
        lag = Collections.unmodifiableMap(policies);
    }

    public ServiceConfig(SourceConfig source, OffsetsConfig offsets, HttpConfig http, Map<String, BoundSink<?>> sinks) {
        this(source, offsets, http, sinks, null);
    }

    /** This configuration with another source. */
    public ServiceConfig withSource(SourceConfig other) {
        return new ServiceConfig(other, offsets, http, sinks, lag);
    }
}
