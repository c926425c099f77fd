package io.cdcfanout.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * W6's commit-to-visible probe: for each sampled transaction ({@link ViewWorkload.Sample}), the time from its
 * commit (the writer's statement returning, autocommit) until Elasticsearch shows a document with the new value
 * through the alias, two ways, polled over all pending samples at once (one request each way per round):
 *
 * <ul>
 *   <li>{@code get}: a realtime {@code _mget} by id (what the sink's acknowledged writes make visible at once),
 *       every round ({@value #ROUND_MILLIS} ms apart);
 *   <li>{@code searchable}: an {@code ids} {@code _search} (visible to searches: the index's next refresh, as the
 *       sink runs with {@code refresh: none}), every {@value #SEARCH_EVERY_ROUNDS} rounds: the refresh interval
 *       (1 s) dominates it, and polling Elasticsearch harder would take CPU from the service under test.
 * </ul>
 *
 * Each latency ends when the answer that shows the value arrives, so it is an upper bound by at most one round
 * plus a request. In {@link Mode#VIEW} the document is the order and the value is the line's {@code quantity}
 * inside its {@code lines} array; in {@link Mode#TABLE} it is the line's own document. Requests run on the
 * probe's one thread ({@link HttpURLConnection}, so all its CPU is on that thread, which {@link #cpuNanos} reports
 * for subtraction from the service's).
 */
final class ViewProber implements AutoCloseable {

    /** Which document shows a sample. */
    enum Mode {
        VIEW,
        TABLE
    }

    static final long ROUND_MILLIS = 10;
    static final int SEARCH_EVERY_ROUNDS = 3;
    private static final long GIVE_UP_NANOS = Duration.ofSeconds(30).toNanos();
    private static final long HIGHEST_MICROS = 3_600_000_000L;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String url;
    private final String alias;
    private final Mode mode;
    private final LinkedBlockingQueue<ViewWorkload.Sample> incoming = new LinkedBlockingQueue<>();
    private final List<Pending> pending = new ArrayList<>();
    private final Histogram get = new Histogram(HIGHEST_MICROS, 3);
    private final Histogram searchable = new Histogram(HIGHEST_MICROS, 3);
    private final AtomicLong cpu = new AtomicLong();
    private final AtomicLong unresolved = new AtomicLong();
    private final AtomicLong outstanding = new AtomicLong();
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final Thread thread;
    private volatile boolean running = true;
    private long rounds;
    private volatile IOException lastError;

    private static final class Pending {
        final ViewWorkload.Sample sample;
        boolean seenByGet;
        boolean seenBySearch;

        Pending(ViewWorkload.Sample sample) {
            this.sample = sample;
        }
    }

    ViewProber(String url, String alias, Mode mode) {
        this.url = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        this.alias = alias;
        this.mode = mode;
        this.thread = new Thread(this::loop, "w6-prober");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    void add(ViewWorkload.Sample sample) {
        outstanding.incrementAndGet();
        incoming.add(sample);
    }

    /** Clears the histograms and counters for a new window (pending samples stay pending). */
    void reset() {
        synchronized (this) {
            get.reset();
            searchable.reset();
        }
        unresolved.set(0);
    }

    /** Waits until every sample added is resolved or given up, at most {@code timeout}. */
    void awaitResolved(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (outstanding.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    /** Per kind ({@code get}, {@code searchable}): copies of the histograms, microseconds. */
    synchronized Map<String, Histogram> snapshot() {
        Map<String, Histogram> copy = new TreeMap<>();
        copy.put("get", get.copy());
        copy.put("searchable", searchable.copy());
        return copy;
    }

    /** Samples still not seen when the window ended, or given up after 30 s. */
    long unresolved() {
        return unresolved.get() + outstanding.get();
    }

    /** CPU nanoseconds of the probe's thread so far (updated every round). */
    long cpuNanos() {
        return cpu.get();
    }

    /** Indexing operations on the alias's primaries so far ({@code _stats/indexing} {@code index_total}). */
    long indexTotal() throws IOException {
        JsonNode stats = request("GET", "/" + alias + "/_stats/indexing", null);
        return stats.path("_all").path("primaries").path("indexing").path("index_total").asLong();
    }

    private void loop() {
        while (running) {
            try {
                if (pending.isEmpty()) {
                    ViewWorkload.Sample first = incoming.poll(50, TimeUnit.MILLISECONDS);
                    if (first != null) {
                        pending.add(new Pending(first));
                    }
                }
                List<ViewWorkload.Sample> more = new ArrayList<>();
                incoming.drainTo(more);
                more.forEach(s -> pending.add(new Pending(s)));
                if (!pending.isEmpty()) {
                    round();
                    Thread.sleep(ROUND_MILLIS);
                }
            } catch (InterruptedException e) {
                return;
            } catch (IOException e) {
                lastError = e;
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ie) {
                    return;
                }
            } finally {
                cpu.set(threads.getCurrentThreadCpuTime());
            }
        }
    }

    private void round() throws IOException {
        Set<String> forGet = new LinkedHashSet<>();
        Set<String> forSearch = new LinkedHashSet<>();
        for (Pending p : pending) {
            if (!p.seenByGet) {
                forGet.add(docId(p.sample));
            }
            if (!p.seenBySearch) {
                forSearch.add(docId(p.sample));
            }
        }
        if (!forGet.isEmpty()) {
            ObjectNode body = JSON.createObjectNode();
            ArrayNode ids = body.putArray("ids");
            forGet.forEach(ids::add);
            JsonNode answer = request("POST", "/" + alias + "/_mget", body);
            long now = System.nanoTime();
            Map<String, JsonNode> docs = new TreeMap<>();
            for (JsonNode d : answer.path("docs")) {
                if (d.path("found").asBoolean() && !d.path("_source").path("_cdc").path("deleted").asBoolean()) {
                    docs.put(d.path("_id").asText(), d.path("_source"));
                }
            }
            for (Pending p : pending) {
                if (!p.seenByGet && shows(docs.get(docId(p.sample)), p.sample)) {
                    p.seenByGet = true;
                    record(get, p.sample, now);
                }
            }
        }
        if (!forSearch.isEmpty() && rounds++ % SEARCH_EVERY_ROUNDS == 0) {
            ObjectNode body = JSON.createObjectNode();
            body.put("size", forSearch.size());
            ArrayNode values = body.putObject("query").putObject("ids").putArray("values");
            forSearch.forEach(values::add);
            JsonNode answer = request("POST", "/" + alias + "/_search", body);
            long now = System.nanoTime();
            Map<String, JsonNode> docs = new TreeMap<>();
            for (JsonNode hit : answer.path("hits").path("hits")) {
                docs.put(hit.path("_id").asText(), hit.path("_source"));
            }
            for (Pending p : pending) {
                if (!p.seenBySearch && shows(docs.get(docId(p.sample)), p.sample)) {
                    p.seenBySearch = true;
                    record(searchable, p.sample, now);
                }
            }
        }
        long now = System.nanoTime();
        for (Iterator<Pending> it = pending.iterator(); it.hasNext(); ) {
            Pending p = it.next();
            boolean done = p.seenByGet && p.seenBySearch;
            if (!done && now - p.sample.committedNanos() > GIVE_UP_NANOS) {
                unresolved.incrementAndGet();
                done = true;
            }
            if (done) {
                it.remove();
                outstanding.decrementAndGet();
            }
        }
    }

    private String docId(ViewWorkload.Sample s) {
        return Long.toString(mode == Mode.VIEW ? s.orderId() : s.lineId());
    }

    /** Whether {@code doc} shows the sampled quantity or a later one. Numbers are compared by value. */
    private boolean shows(JsonNode doc, ViewWorkload.Sample s) {
        if (doc == null) {
            return false;
        }
        if (mode == Mode.TABLE) {
            return doc.path("quantity").asLong(Long.MIN_VALUE) >= s.quantity();
        }
        for (JsonNode line : doc.path("lines")) {
            if (line.path("id").asLong() == s.lineId()) {
                return line.path("quantity").asLong(Long.MIN_VALUE) >= s.quantity();
            }
        }
        return false;
    }

    private synchronized void record(Histogram h, ViewWorkload.Sample s, long seenNanos) {
        h.recordValue(Math.max(0, Math.min(HIGHEST_MICROS, (seenNanos - s.committedNanos()) / 1000)));
    }

    private JsonNode request(String method, String path, JsonNode body) throws IOException {
        return request(url, method, path, body);
    }

    /** One JSON request to Elasticsearch at {@code url}, on the calling thread; an error status throws. */
    static JsonNode request(String url, String method, String path, JsonNode body) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create(url + path).toURL().openConnection();
        c.setRequestMethod(method);
        c.setConnectTimeout(5000);
        c.setReadTimeout(30_000);
        if (body != null) {
            c.setDoOutput(true);
            c.setRequestProperty("Content-Type", "application/json");
            try (OutputStream out = c.getOutputStream()) {
                out.write(JSON.writeValueAsBytes(body));
            }
        }
        int status = c.getResponseCode();
        try (InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
            byte[] bytes = in == null ? new byte[0] : in.readAllBytes();
            if (status >= 400) {
                throw new IOException(method + " " + path + " answered " + status + ": "
                        + new String(bytes, 0, Math.min(bytes.length, 500), StandardCharsets.UTF_8));
            }
            return JSON.readTree(bytes);
        }
    }

    /** The last request error, if any (the probe retries; a persistent one leaves samples unresolved). */
    String lastError() {
        IOException e = lastError;
        return e == null ? "" : e.getMessage();
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
