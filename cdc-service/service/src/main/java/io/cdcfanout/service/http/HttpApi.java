package io.cdcfanout.service.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.RowJson;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.service.config.HttpConfig;
import io.cdcfanout.service.pipeline.RebuildOptions;
import io.cdcfanout.service.pipeline.RebuildStatus;
import io.cdcfanout.service.pipeline.SinkState;
import io.cdcfanout.service.pipeline.SinkStatus;
import io.cdcfanout.sink.HistoryReader;
import io.cdcfanout.sink.HistoryVersion;
import io.cdcfanout.sink.LatestRow;
import io.cdcfanout.sink.LatestRowReader;
import io.cdcfanout.sink.Sink;
import io.cdcfanout.sink.Visibility;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The HTTP API: health, readiness, status, Prometheus metrics, cached rows and history versions, and
 * {@code /wait} (read-your-writes for any sink). Answers are JSON except {@code /metrics}.
 *
 * <p>Reads that wait for a position ({@code min_lsn}, {@code /wait}) hold no HTTP thread while they wait
 * ({@link Context#future}): a {@link Catchup} completes them, sharing one fence among all of them. At most
 * {@code http.max-waiting-reads} wait at once; one more is answered 503 with {@code Retry-After}, so
 * {@code /health} and {@code /ready} always find a thread. {@code POST /sinks/{name}/pause} and {@code .../resume} hold and
 * release one sink's lane (operations; the pipeline waits while a sink is paused). With a configured token every endpoint but
 * {@code /health} needs {@code Authorization: Bearer <token>}.
 */
public final class HttpApi implements AutoCloseable {

    private final HttpConfig config;
    private final ServiceView service;
    private final Javalin app;
    private final WaitingReads waitingReads;
    private final Catchup catchup;
    /** Per sink name, its shared {@link Visibility#makeAppliedVisible()} call. */
    private final Map<String, CoalescedCall<Void>> visibilityCalls = new ConcurrentHashMap<>();

    private volatile StatusSnapshot statusSnapshot;

    public HttpApi(HttpConfig config, ServiceView service, MeterRegistry meters) {
        this.config = config;
        this.service = service;
        this.waitingReads = new WaitingReads(config.maxWaitingReads());
        Gauge.builder("cdc.http.waiting.reads", waitingReads, WaitingReads::waiting)
                .description("reads waiting for a position (min_lsn, /wait)")
                .register(meters);
        Gauge.builder("cdc.http.max.waiting.reads", waitingReads, WaitingReads::max)
                .description("http.max-waiting-reads")
                .register(meters);
        this.catchup = new Catchup(service);
        this.app = Javalin.create(c -> {
            c.showJavalinBanner = false;
            c.http.defaultContentType = "application/json";
        });
        app.before(this::authorize);
        app.get("/health", ctx -> json(ctx, HttpStatus.OK, obj().put("status", "UP")));
        app.get("/ready", this::ready);
        app.get("/status", this::status);
        app.get(
                "/metrics",
                ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                        .result(service.scrapeMetrics()));
        app.get("/wait", this::awaitSinks);
        app.get("/cache/{table}", ctx -> cache(ctx, null));
        app.get("/cache/{table}/{key}", ctx -> cache(ctx, ctx.pathParam("key")));
        app.get("/cache/views/{view}/{key}", ctx -> cacheView(ctx, ctx.pathParam("key")));
        app.get("/history/{table}", ctx -> history(ctx, null));
        app.get("/history/{table}/{key}", ctx -> history(ctx, ctx.pathParam("key")));
        app.post("/sinks/{name}/pause", ctx -> sinkControl(ctx, service.pauseSink(ctx.pathParam("name"))));
        app.post("/sinks/{name}/resume", ctx -> sinkControl(ctx, service.resumeSink(ctx.pathParam("name"))));
        app.post("/sinks/{name}/rebuild", this::rebuild);
        app.delete("/sinks/{name}/rebuild", this::cancelRebuild);
        app.get("/sinks/{name}/rebuild", ctx -> rebuilds(ctx, HttpStatus.OK, service.rebuildStatuses(sinkName(ctx))));
        app.exception(
                IllegalArgumentException.class,
                (e, ctx) -> json(ctx, HttpStatus.BAD_REQUEST, obj().put("error", e.getMessage())));
        app.exception(
                Exception.class,
                (e, ctx) -> json(
                        ctx, HttpStatus.INTERNAL_SERVER_ERROR, obj().put("error", String.valueOf(e.getMessage()))));
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
        json(
                ctx,
                ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE,
                obj().put("ready", ready).put("streaming", streaming).set("sinks", sinks));
    }

    private void status(Context ctx) throws Exception {
        StatusBody body = StatusBody.of(
                service.sourceStatus(),
                service.sinkStatuses(),
                service::rebuildStatuses,
                service.viewCatalog(),
                service::viewsOf);
        ctx.status(HttpStatus.OK).contentType("application/json").result(RowJson.MAPPER.writeValueAsString(body));
    }

    private void sinkControl(Context ctx, Optional<SinkStatus> status) {
        SinkStatus s = status.orElseThrow(() -> new NotFound("no sink named '" + ctx.pathParam("name") + "'"));
        json(
                ctx,
                HttpStatus.OK,
                obj().put("sink", s.name()).put("state", s.state().name()));
    }

    /** {@code POST /sinks/{name}/rebuild[?table=][&chunk_size=][&rows_per_second=]}: 202 with the queued rebuilds. */
    private void rebuild(Context ctx) throws Exception {
        RebuildOptions options;
        try {
            options = new RebuildOptions(
                    intParam(ctx, "chunk_size", RebuildOptions.DEFAULT_CHUNK_SIZE),
                    intParam(ctx, "rows_per_second", 0));
        } catch (IllegalArgumentException e) {
            throw new BadRequest(e.getMessage());
        }
        Optional<TableId> table = tableParam(ctx);
        List<RebuildStatus> queued;
        try {
            queued = service.rebuild(sinkName(ctx), table, options);
        } catch (java.util.NoSuchElementException e) {
            throw new NotFound(e.getMessage());
        } catch (UnsupportedOperationException e) {
            json(ctx, HttpStatus.CONFLICT, obj().put("error", e.getMessage()));
            return;
        } catch (IllegalStateException e) {
            json(ctx, HttpStatus.SERVICE_UNAVAILABLE, obj().put("error", e.getMessage()));
            return;
        }
        rebuilds(ctx, HttpStatus.ACCEPTED, queued);
    }

    /** {@code DELETE /sinks/{name}/rebuild[?table=]}: 200 with the rebuilds asked to stop. */
    private void cancelRebuild(Context ctx) throws Exception {
        Optional<TableId> table = tableParam(ctx);
        try {
            rebuilds(ctx, HttpStatus.OK, service.cancelRebuild(sinkName(ctx), table));
        } catch (java.util.NoSuchElementException e) {
            throw new NotFound(e.getMessage());
        } catch (IllegalStateException e) {
            json(ctx, HttpStatus.SERVICE_UNAVAILABLE, obj().put("error", e.getMessage()));
        }
    }

    private static void rebuilds(Context ctx, HttpStatus status, List<RebuildStatus> rebuilds) throws Exception {
        ctx.status(status)
                .contentType("application/json")
                .result(RowJson.MAPPER.writeValueAsString(Map.of("rebuilds", rebuilds)));
    }

    private static String sinkName(Context ctx) {
        return ctx.pathParam("name");
    }

    private static Optional<TableId> tableParam(Context ctx) {
        String text = ctx.queryParam("table");
        if (text == null || text.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(TableId.parse(text));
        } catch (IllegalArgumentException e) {
            throw new BadRequest(e.getMessage());
        }
    }

    private static int intParam(Context ctx, String name, int fallback) {
        String text = ctx.queryParam(name);
        if (text == null || text.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new BadRequest(name + " must be a whole number, got '" + text + "'");
        }
    }

    private void cache(Context ctx, String pathKey) throws Exception {
        TableId table = table(ctx);
        LatestRowReader reader = service.rowReaders().stream()
                .filter(r -> r.serves(table))
                .findFirst()
                .orElseThrow(() -> new NotFound("no cache sink holds table " + table));
        String keyText = reader.keyText(table, keyMap(pathKey, reader.keyColumns(table), ctx));
        Optional<Lsn> minLsn = lsnParam(ctx);
        if (minLsn.isEmpty() || !minLsn.get().isAfter(reader.appliedLsn())) {
            respondRow(ctx, reader, table, keyText);
            return;
        }
        Lsn wanted = minLsn.get();
        waitThen(
                ctx,
                () -> !wanted.isAfter(reader.appliedLsn()),
                () -> {
                    respondRow(ctx, reader, table, keyText);
                    return CompletableFuture.completedFuture(null);
                },
                () -> json(
                        ctx,
                        HttpStatus.GATEWAY_TIMEOUT,
                        obj().put(
                                        "error",
                                        "the cache has not applied " + wanted + " within "
                                                + config.maxReadWait().toMillis() + " ms")
                                .put("applied_lsn", reader.appliedLsn().toString())));
    }

    /** {@code GET /cache/views/{view}/{key}[?min_lsn=]}: a view document, once the cache applied {@code min_lsn}. */
    private void cacheView(Context ctx, String pathKey) throws Exception {
        String view = ctx.pathParam("view");
        io.cdcfanout.sink.ViewReader reader = service.viewReaders().stream()
                .filter(r -> r.servesView(view))
                .findFirst()
                .orElseThrow(() -> new NotFound("no cache sink serves view " + view));
        String keyText;
        try {
            keyText = reader.viewKeyText(view, keyMap(pathKey, reader.viewKeyColumns(view), ctx));
        } catch (IllegalArgumentException e) {
            throw new BadRequest(e.getMessage());
        }
        Optional<Lsn> minLsn = lsnParam(ctx);
        if (minLsn.isEmpty() || !minLsn.get().isAfter(reader.appliedLsn())) {
            respondView(ctx, reader, view, keyText);
            return;
        }
        Lsn wanted = minLsn.get();
        waitThen(
                ctx,
                () -> !wanted.isAfter(reader.appliedLsn()),
                () -> {
                    respondView(ctx, reader, view, keyText);
                    return CompletableFuture.completedFuture(null);
                },
                () -> json(
                        ctx,
                        HttpStatus.GATEWAY_TIMEOUT,
                        obj().put(
                                        "error",
                                        "the cache has not applied " + wanted + " within "
                                                + config.maxReadWait().toMillis() + " ms")
                                .put("applied_lsn", reader.appliedLsn().toString())));
    }

    private void respondView(Context ctx, io.cdcfanout.sink.ViewReader reader, String view, String keyText) {
        var entry = reader.viewDocument(view, keyText);
        if (entry.isEmpty()) {
            json(
                    ctx,
                    HttpStatus.NOT_FOUND,
                    obj().put("error", "no document " + keyText + " in view " + view)
                            .put("applied_lsn", reader.appliedLsn().toString()));
            return;
        }
        ObjectNode body = obj().put("view", view)
                .put("key", keyText)
                .put("version", entry.get().version().toString());
        body.set("document", entry.get().document());
        json(ctx, HttpStatus.OK, body);
    }

    private void respondRow(Context ctx, LatestRowReader reader, TableId table, String keyText) {
        Optional<LatestRow> row = reader.get(table, keyText);
        if (row.isEmpty()) {
            json(
                    ctx,
                    HttpStatus.NOT_FOUND,
                    obj().put("error", "no row " + table + " " + keyText + " in the cache")
                            .put("applied_lsn", reader.appliedLsn().toString()));
            return;
        }
        ObjectNode body = obj().put("table", table.toString())
                .put("key", keyText)
                .put("lsn", row.get().lsn().toString())
                .put("commit_time", row.get().commitTime().toString());
        body.set("row", RowJson.toJson(row.get().row()));
        json(ctx, HttpStatus.OK, body);
    }

    /**
     * {@code GET /wait?lsn=..&sink=..}: answers once the named sinks (every sink without {@code sink}) have
     * applied every transaction committed before {@code lsn} and, for a sink with {@link Visibility}, made
     * them visible to its readers; 504 after {@code http.max-read-wait}.
     */
    private void awaitSinks(Context ctx) {
        String lsnText = ctx.queryParam("lsn");
        if (lsnText == null) {
            throw new BadRequest(
                    "give the position to wait for as ?lsn=<LSN>, e.g. the result of pg_current_wal_insert_lsn() after your commit");
        }
        Lsn lsn = parseLsn(lsnText);
        List<SinkStatus> statuses = service.sinkStatuses();
        List<Sink> sinks = service.sinks();
        Map<String, Sink> byName = new LinkedHashMap<>();
        for (int i = 0; i < statuses.size() && i < sinks.size(); i++) {
            byName.put(statuses.get(i).name(), sinks.get(i));
        }
        List<String> names = ctx.queryParams("sink").stream().distinct().toList();
        List<String> unknown =
                names.stream().filter(n -> !byName.containsKey(n)).toList();
        if (!unknown.isEmpty()) {
            ArrayNode known = RowJson.MAPPER.createArrayNode();
            byName.keySet().forEach(known::add);
            ObjectNode body = obj().put("error", "no sink named " + String.join(", ", unknown));
            body.set("sinks", known);
            json(ctx, HttpStatus.NOT_FOUND, body);
            return;
        }
        List<String> chosen = names.isEmpty() ? List.copyOf(byName.keySet()) : names;
        long deadline = System.nanoTime() + config.maxReadWait().toNanos();
        waitThen(
                ctx,
                () -> lagging(chosen, lsn).isEmpty(),
                () -> makeVisible(ctx, chosen, byName, lsn, deadline),
                () -> json(
                        ctx,
                        HttpStatus.GATEWAY_TIMEOUT,
                        waitBody(chosen, lsn)
                                .put(
                                        "error",
                                        "sink(s) " + String.join(", ", lagging(chosen, lsn)) + " have not applied "
                                                + lsn + " within "
                                                + config.maxReadWait().toMillis() + " ms")));
    }

    /** The chosen sinks whose lanes have not applied {@code lsn} yet. */
    private List<String> lagging(List<String> chosen, Lsn lsn) {
        List<String> lagging = new ArrayList<>();
        for (SinkStatus s : recentStatuses()) {
            if (chosen.contains(s.name()) && lsn.isAfter(s.lastAppliedLsn())) {
                lagging.add(s.name());
            }
        }
        return lagging;
    }

    /**
     * The sinks' statuses, taken at most a millisecond ago: every waiting {@code /wait} checks them each tick,
     * and one snapshot serves them all. Applied positions only grow, so an older snapshot can only delay an
     * answer, never give a wrong one.
     */
    private List<SinkStatus> recentStatuses() {
        StatusSnapshot s = statusSnapshot;
        long now = System.nanoTime();
        if (s == null || now - s.takenNanos() > 1_000_000L) {
            s = new StatusSnapshot(now, service.sinkStatuses());
            statusSnapshot = s;
        }
        return s.statuses();
    }

    private record StatusSnapshot(long takenNanos, List<SinkStatus> statuses) {}

    private ObjectNode waitBody(List<String> chosen, Lsn lsn) {
        ObjectNode applied = obj();
        for (SinkStatus s : service.sinkStatuses()) {
            if (chosen.contains(s.name())) {
                applied.put(s.name(), s.lastAppliedLsn().toString());
            }
        }
        ObjectNode body = obj().put("lsn", lsn.toString());
        body.set("applied_lsn", applied);
        return body;
    }

    /** Second step of {@code /wait}: each chosen sink with {@link Visibility} makes what it applied visible. */
    private CompletableFuture<Void> makeVisible(
            Context ctx, List<String> chosen, Map<String, Sink> byName, Lsn lsn, long deadline) {
        List<CompletableFuture<Void>> calls = new ArrayList<>();
        for (String name : chosen) {
            if (byName.get(name) instanceof Visibility visibility) {
                calls.add(visibilityCalls
                        .computeIfAbsent(
                                name,
                                n -> new CoalescedCall<>("http-visibility-" + n, () -> {
                                    visibility.makeAppliedVisible();
                                    return null;
                                }))
                        .request());
            }
        }
        long remaining = Math.max(0, deadline - System.nanoTime());
        return CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new))
                .orTimeout(remaining, TimeUnit.NANOSECONDS)
                .handle((ok, error) -> {
                    Throwable cause = unwrap(error);
                    if (cause == null) {
                        json(ctx, HttpStatus.OK, waitBody(chosen, lsn));
                    } else if (cause instanceof TimeoutException) {
                        json(
                                ctx,
                                HttpStatus.GATEWAY_TIMEOUT,
                                waitBody(chosen, lsn)
                                        .put(
                                                "error",
                                                "the sinks applied " + lsn + " but did not make it visible within "
                                                        + config.maxReadWait().toMillis() + " ms"));
                    } else {
                        json(
                                ctx,
                                HttpStatus.SERVICE_UNAVAILABLE,
                                waitBody(chosen, lsn)
                                        .put(
                                                "error",
                                                "the sinks applied " + lsn + " but could not make it visible: "
                                                        + cause.getMessage()));
                    }
                    return null;
                });
    }

    /**
     * Parks the request (no HTTP thread held) until {@code reached} holds, then runs {@code then}; runs
     * {@code timedOut} after {@code http.max-read-wait}. 503 with {@code Retry-After} when
     * {@code http.max-waiting-reads} requests wait already, or when the fence cannot be written.
     */
    private void waitThen(Context ctx, java.util.function.BooleanSupplier reached, Step then, Runnable timedOut) {
        Optional<WaitingReads.Place> place = waitingReads.enter();
        if (place.isEmpty()) {
            ctx.header("Retry-After", "1");
            json(
                    ctx,
                    HttpStatus.SERVICE_UNAVAILABLE,
                    obj().put(
                                    "error",
                                    waitingReads.max()
                                            + " reads are waiting already (http.max-waiting-reads); retry shortly"));
            return;
        }
        ctx.future(() -> catchup.until(reached, config.maxReadWait())
                .thenCompose(ok -> {
                    if (ok) {
                        return then.run();
                    }
                    timedOut.run();
                    return CompletableFuture.<Void>completedFuture(null);
                })
                .handle((ok, error) -> {
                    place.get().close();
                    Throwable cause = unwrap(error);
                    if (cause instanceof Catchup.FenceFailedException) {
                        ctx.header("Retry-After", "1");
                        json(ctx, HttpStatus.SERVICE_UNAVAILABLE, obj().put("error", cause.getMessage()));
                    } else if (cause != null) {
                        json(
                                ctx,
                                HttpStatus.INTERNAL_SERVER_ERROR,
                                obj().put("error", String.valueOf(cause.getMessage())));
                    }
                    return null;
                }));
    }

    /** What a waiting read does once its position is reached; the future completes when it has answered. */
    @FunctionalInterface
    private interface Step {
        CompletableFuture<Void> run();
    }

    private static Throwable unwrap(Throwable error) {
        Throwable cause = error;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    private void history(Context ctx, String pathKey) {
        TableId table = table(ctx);
        HistoryReader reader = service.historyReaders().stream()
                .filter(r -> r.serves(table))
                .findFirst()
                .orElseThrow(() -> new NotFound("no history sink keeps table " + table));
        List<String> keyColumns = reader.keyColumns(table);
        Map<String, String> key = keyMap(pathKey, keyColumns, ctx);
        String asOf = ctx.queryParam("as_of");
        if (asOf != null) {
            Instant instant;
            try {
                instant = Instant.parse(asOf);
            } catch (DateTimeParseException e) {
                throw new BadRequest(
                        "as_of must be an ISO-8601 instant such as 2024-05-01T10:15:30Z, not '" + asOf + "'");
            }
            Optional<HistoryVersion> version = reader.asOf(table, key, instant);
            if (version.isEmpty()) {
                json(
                        ctx,
                        HttpStatus.NOT_FOUND,
                        obj().put("error", "no version of " + table + " " + key + " valid at " + instant));
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
        return Optional.of(parseLsn(text));
    }

    private static Lsn parseLsn(String text) {
        try {
            return Lsn.parse(text);
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
        catchup.close();
        visibilityCalls.values().forEach(CoalescedCall::close);
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
