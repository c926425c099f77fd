package io.cdcfanout.service.config;

import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.BoundSink;
import io.cdcfanout.sink.view.ViewCatalog;
import io.cdcfanout.sink.view.ViewDefinition;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The whole configuration file, validated. Built by {@link ConfigLoader}; every record below it checks
 * its own values when constructed, so a {@code ServiceConfig} that exists is usable.
 *
 * @param sinks each configured sink by name, in file order, already paired with the factory of its type
 * @param lag   each sink's {@code on-lag} / {@code max-lag}, by sink name; absent ones get their type's default
 * @param views the views defined under {@code views:}, by name
 */
public record ServiceConfig(
        SourceConfig source,
        OffsetsConfig offsets,
        HttpConfig http,
        Map<String, BoundSink<?>> sinks,
        Map<String, LagPolicy> lag,
        ViewCatalog views) {

    public ServiceConfig {
        Validation.require(source, "source");
        offsets = offsets == null ? OffsetsConfig.DEFAULT : offsets;
        http = http == null ? HttpConfig.DEFAULT : http;
        Validation.require(sinks, "sinks");
        if (sinks.isEmpty()) {
            throw new IllegalArgumentException("'sinks' is empty: configure at least one sink");
        }
        views = views == null ? ViewCatalog.EMPTY : views;
        views.views().forEach((name, view) -> {
            List<TableId> uncaptured = view.tables().stream()
                    .filter(t -> !source.tables().contains(t))
                    .toList();
            if (!uncaptured.isEmpty()) {
                List<Object> at = new java.util.ArrayList<>(List.of("views", name));
                for (io.cdcfanout.sink.view.ViewNode node : view.tree().flatten()) {
                    boolean link = node.link() != null
                            && uncaptured.contains(node.link().table());
                    if (uncaptured.contains(node.table()) || link) {
                        if (!node.path().isEmpty()) {
                            at.addAll(List.of(node.path().split("\\.")));
                        }
                        if (!uncaptured.contains(node.table())) {
                            at.add("through");
                        }
                        at.add("table");
                        break;
                    }
                }
                throw new AtKeyException(
                        at,
                        "view '" + name + "' reads table(s) " + uncaptured
                                + " that are not in source.tables " + source.tables()
                                + ": every table a view reads must be captured, so its changes re-render the view; add them"
                                + " to source.tables");
            }
        });
        for (var entry : sinks.entrySet()) {
            for (String view : entry.getValue() == null
                    ? Set.<String>of()
                    : entry.getValue().config().views()) {
                if (!views.views().containsKey(view)) {
                    throw new AtKeyException(
                            List.of("sinks", entry.getKey(), "views"),
                            "sink '" + entry.getKey() + "' serves view '" + view
                                    + "', which is not defined under 'views'"
                                    + (views.views().isEmpty()
                                            ? ""
                                            : " (defined: "
                                                    + String.join(
                                                            ", ", views.views().keySet()) + ")"));
                }
            }
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
        this(source, offsets, http, sinks, null, null);
    }

    public ServiceConfig(
            SourceConfig source,
            OffsetsConfig offsets,
            HttpConfig http,
            Map<String, BoundSink<?>> sinks,
            Map<String, LagPolicy> lag) {
        this(source, offsets, http, sinks, lag, null);
    }

    /** A check of the whole file that is about one key, {@code path}; the loader gives its line. */
    static final class AtKeyException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;
        private final transient List<Object> path;

        AtKeyException(List<Object> path, String message) {
            super(message);
            this.path = List.copyOf(path);
        }

        List<Object> path() {
            return path;
        }
    }

    /** This configuration with another source. */
    public ServiceConfig withSource(SourceConfig other) {
        return new ServiceConfig(other, offsets, http, sinks, lag, views);
    }

    /** The tables sink {@code name} is fed: its own and every table of the views it serves. */
    public Set<TableId> tablesOf(String name) {
        BoundSink<?> sink = sinks.get(name);
        Set<TableId> tables = new LinkedHashSet<>(sink.config().sourceTables());
        for (String view : sink.config().views()) {
            tables.addAll(views.get(view).tables());
        }
        return tables;
    }

    /** The definitions of the views sink {@code name} serves, by view name. */
    public Map<String, ViewDefinition> viewsOf(String name) {
        Map<String, ViewDefinition> served = new LinkedHashMap<>();
        sinks.get(name).config().views().forEach(v -> served.put(v, views.get(v)));
        return served;
    }
}
