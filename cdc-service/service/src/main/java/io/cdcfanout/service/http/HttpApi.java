package io.cdcfanout.service.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.RowJson;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.service.config.HttpConfig;
import io.cdcfanout.service.pipeline.SinkState;
import io.cdcfanout.service.pipeline.SinkStatus;
import io.cdcfanout.sink.HistoryReader;
import io.cdcfanout.sink.HistoryVersion;
import io.cdcfanout.sink.LatestRow;
import io.cdcfanout.sink.LatestRowReader;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The HTTP API: health, readiness, status, Prometheus metrics, cached rows and history versions.
 * Answers are JSON except {@code /metrics}. {@code POST /sinks/{name}/pause} and {@code .../resume} hold and
 * release one sink's lane (operations; the pipeline waits while a sink is paused). With a configured token every endpoint but
 * {@code /health} needs {@code Authorization: Bearer <token>}.
 */
public final class HttpApi implements AutoCloseable {

    private final HttpConfig config;
    private final ServiceView service;
    private final Javalin app;

    public HttpApi(HttpConfig config, ServiceView service) {
        this.config = config;
        this.service = service;
        this.app = Javalin.create(c -> {
            c.showJavalinBanner = false;
            c.http.defaultContentType = "application/json";
        });
        app.before(this::authorize);
        app.get("/health", ctx -> json(ctx, HttpStatus.OK, obj().put("status", "UP")));
        app.get("/ready", this::ready);
        app.get("/status", this::status);
        app.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(service.scrapeMetrics()));
        app.get("/cache/{table}", ctx -> cache(ctx, null));
        app.get("/cache/{table}/{key}", ctx -> cache(ctx, ctx.pathParam("key")));
        app.get("/history/{table}", ctx -> history(ctx, null));
        app.get("/history/{table}/{key}", ctx -> history(ctx, ctx.pathParam("key")));
        app.post("/sinks/{name}/pause", ctx -> sinkControl(ctx, service.pauseSink(ctx.pathParam("name"))));
        app.post("/sinks/{name}/resume", ctx -> sinkControl(ctx, service.resumeSink(ctx.pathParam("name"))));
        app.exception(IllegalArgumentException.class, (e, ctx) -> json(ctx, HttpStatus.BAD_REQUEST, obj().put("error", e.getMessage())));
        app.exception(Exception.class, (e, ctx) -> json(ctx, HttpStatus.INTERNAL_SERVER_ERROR, obj().put("error", String.valueOf(e.getMessage()))));
    }

    /** Starts listening; returns the bound port (useful with port 0). */
    public int start() {
        app.start(config.host(), config.port());
        return app.port();
    }

    private void authorize(Context ctx) {
        if (config.token().isEmpty() || ctx.path().equals("/health")) {
            return;
        }
        String header = ctx.header("Authorization");
        byte[] expected = ("Bearer " + config.token().reveal()).getBytes(StandardCharsets.UTF_8);
        if (header == null || !MessageDigest.isEqual(expected, header.getBytes(StandardCharsets.UTF_8))) {
            ctx.header("WWW-Authenticate", "Bearer");
            json(ctx, HttpStatus.UNAUTHORIZED, obj().put("error", "missing or wrong bearer token"));
            ctx.skipRemainingHandlers();
        }
    }

    private void ready(Context ctx) {
        boolean streaming = service.streaming();
        ObjectNode sinks = obj();
        boolean allReady = true;
        for (SinkStatus s : service.sinkStatuses()) {
            sinks.put(s.name(), s.state().name());
            allReady &= s.state() == SinkState.READY;
        }
        boolean ready = streaming && allReady;
        json(ctx, ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE,
                obj().put("ready", ready).put("streaming", streaming).set("sinks", sinks));
    }

    private void status(Context ctx) throws Exception {
        StatusBody body = StatusBody.of(service.sourceStatus(), service.sinkStatuses());
        ctx.status(HttpStatus.OK).contentType("application/json").result(RowJson.MAPPER.writeValueAsString(body));
    }

    private void sinkControl(Context ctx, Optional<SinkStatus> status) {
        SinkStatus s = status.orElseThrow(() -> new NotFound("no sink named '" + ctx.pathParam("name") + "'"));
        json(ctx, HttpStatus.OK, obj().put("sink", s.name()).put("state", s.state().name()));
    }

    private void cache(Context ctx, String pathKey) throws Exception {
        TableId table = table(ctx);
        LatestRowReader reader = service.rowReaders().stream().filter(r -> r.serves(table)).findFirst()
                .orElseThrow(() -> new NotFound("no cache sink holds table " + table));
        String keyText = reader.keyText(table, keyMap(pathKey, reader.keyColumns(table), ctx));
        Optional<Lsn> minLsn = lsnParam(ctx);
        if (minLsn.isPresent() && minLsn.get().isAfter(reader.appliedLsn())) {
            service.fence();
            if (!reader.awaitApplied(minLsn.get(), config.maxReadWait())) {
                json(ctx, HttpStatus.GATEWAY_TIMEOUT, obj()
                        .put("error", "the cache has not applied " + minLsn.get() + " within " + config.maxReadWait().toMillis() + " ms")
                        .put("applied_lsn", reader.appliedLsn().toString()));
                return;
            }
        }
        Optional<LatestRow> row = reader.get(table, keyText);
        if (row.isEmpty()) {
            json(ctx, HttpStatus.NOT_FOUND, obj().put("error", "no row " + table + " " + keyText + " in the cache")
                    .put("applied_lsn", reader.appliedLsn().toString()));
            return;
        }
        ObjectNode body = obj().put("table", table.toString()).put("key", keyText)
                .put("lsn", row.get().lsn().toString()).put("commit_time", row.get().commitTime().toString());
        body.set("row", RowJson.toJson(row.get().row()));
        json(ctx, HttpStatus.OK, body);
    }

    private void history(Context ctx, String pathKey) {
        TableId table = table(ctx);
        HistoryReader reader = service.historyReaders().stream().filter(r -> r.serves(table)).findFirst()
                .orElseThrow(() -> new NotFound("no history sink keeps table " + table));
        List<String> keyColumns = reader.keyColumns(table);
        Map<String, String> key = keyMap(pathKey, keyColumns, ctx);
        String asOf = ctx.queryParam("as_of");
        if (asOf != null) {
            Instant instant;
            try {
                instant = Instant.parse(asOf);
            } catch (DateTimeParseException e) {
                throw new BadRequest("as_of must be an ISO-8601 instant such as 2024-05-01T10:15:30Z, not '" + asOf + "'");
            }
            Optional<HistoryVersion> version = reader.asOf(table, key, instant);
            if (version.isEmpty()) {
                json(ctx, HttpStatus.NOT_FOUND, obj().put("error", "no version of " + table + " " + key + " valid at " + instant));
                return;
            }
            json(ctx, HttpStatus.OK, version(version.get()));
            return;
        }
        List<HistoryVersion> versions = reader.versions(table, key);
        if (versions.isEmpty()) {
            json(ctx, HttpStatus.NOT_FOUND, obj().put("error", "no history for " + table + " " + key));
            return;
        }
        ArrayNode array = RowJson.MAPPER.createArrayNode();
        versions.forEach(v -> array.add(version(v)));
        json(ctx, HttpStatus.OK, obj().put("table", table.toString()).set("versions", array));
    }

    private static ObjectNode version(HistoryVersion v) {
        ObjectNode n = obj();
        n.put("valid_from", v.validFrom().toString());
        n.put("valid_to", v.validTo() == null ? null : v.validTo().toString());
        n.put("deleted", v.deleted());
        n.put("lsn", v.lsn().toString());
        n.put("tx_id", v.txId());
        n.set("data", v.data());
        return n;
    }

    private static TableId table(Context ctx) {
        try {
            return TableId.parse(ctx.pathParam("table"));
        } catch (IllegalArgumentException e) {
            throw new BadRequest(e.getMessage());
        }
    }

    private static Map<String, String> keyMap(String pathKey, List<String> keyColumns, Context ctx) {
        Map<String, String> key = new HashMap<>();
        if (pathKey != null && keyColumns.size() == 1) {
            key.put(keyColumns.get(0), pathKey);
            return key;
        }
        for (String column : keyColumns) {
            String value = ctx.queryParam(column);
            if (value != null) {
                key.put(column, value);
            }
        }
        if (key.size() != keyColumns.size()) {
            throw new BadRequest("the key of this table is " + keyColumns + ": give each as a query parameter, e.g. ?"
                    + String.join("=..&", keyColumns) + "=..");
        }
        return key;
    }

    private static Optional<Lsn> lsnParam(Context ctx) {
        String text = ctx.queryParam("min_lsn");
        if (text == null) {
            text = ctx.header("X-Min-LSN");
        }
        if (text == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Lsn.parse(text));
        } catch (IllegalArgumentException e) {
            throw new BadRequest(e.getMessage());
        }
    }

    private static ObjectNode obj() {
        return RowJson.MAPPER.createObjectNode();
    }

    private static void json(Context ctx, HttpStatus status, ObjectNode body) {
        ctx.status(status).contentType("application/json").result(body.toString());
    }

    @Override
    public void close() {
        app.stop();
    }

    /** A request that cannot be answered as asked; 400. */
    static final class BadRequest extends IllegalArgumentException {
        BadRequest(String message) {
            super(message);
        }
    }

    /** 404 with a reason. */
    static final class NotFound extends io.javalin.http.NotFoundResponse {
        NotFound(String message) {
            super(message);
        }
    }
}
