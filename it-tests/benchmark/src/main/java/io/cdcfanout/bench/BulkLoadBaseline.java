package io.cdcfanout.bench;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch.core.BulkRequest;
import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.util.BinaryData;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Baseline (b), the index ceiling: the final rows of a table, read once as JSON, bulk-indexed into a
 * fresh index with plain {@code index} actions, {@code batchSize} per request and {@code concurrency}
 * requests in flight (the sink's defaults). Only the indexing is timed.
 */
final class BulkLoadBaseline {

    /**
     * The fastest of the attempts (the ceiling), with every attempt's rate.
     *
     * @param attemptsPerSecond documents per second of each attempt, in order
     */
    record Result(long documents, double seconds, long cpuNanos, List<Double> attemptsPerSecond) {
        double perSecond() {
            return documents / seconds;
        }
    }

    private final BenchDatabase db;
    private final ElasticsearchClient client;

    BulkLoadBaseline(BenchDatabase db, ElasticsearchClient client) {
        this.db = db;
        this.client = client;
    }

    /**
     * Loads the table's rows into {@code attempts} fresh indexes, one after another, and keeps the fastest:
     * one load of a few seconds moves by a factor of 1.5 with Elasticsearch's merges and the machine's load,
     * and a ceiling should not be lowered by a bad moment.
     */
    Result run(String table, String index, int batchSize, int concurrency, int attempts) throws Exception {
        List<String[]> docs = read(table);
        Result best = null;
        List<Double> rates = new ArrayList<>();
        for (int i = 1; i <= attempts; i++) {
            Result r = load(docs, index + "-" + i, batchSize, concurrency);
            rates.add(r.perSecond());
            if (best == null || r.seconds() < best.seconds()) {
                best = r;
            }
        }
        return new Result(best.documents(), best.seconds(), best.cpuNanos(), List.copyOf(rates));
    }

    private List<String[]> read(String table) throws Exception {
        List<String[]> docs = new ArrayList<>();
        try (Connection c = db.connect();
                Statement s = c.createStatement()) {
            s.setFetchSize(10_000);
            c.setAutoCommit(false);
            try (ResultSet rs = s.executeQuery("SELECT id::text, row_to_json(t)::text FROM " + table + " t")) {
                while (rs.next()) {
                    docs.add(new String[] {rs.getString(1), rs.getString(2)});
                }
            }
        }
        return docs;
    }

    private Result load(List<String[]> docs, String index, int batchSize, int concurrency) throws Exception {
        client.indices().create(c -> c.index(index));
        var os = (com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        long cpu = os.getProcessCpuTime();
        long start = System.nanoTime();
        try {
            List<Future<?>> inFlight = new ArrayList<>();
            for (int from = 0; from < docs.size(); from += batchSize) {
                List<String[]> chunk = docs.subList(from, Math.min(docs.size(), from + batchSize));
                inFlight.add(pool.submit(() -> {
                    BulkRequest.Builder b = new BulkRequest.Builder().index(index);
                    for (String[] d : chunk) {
                        byte[] json = d[1].getBytes(StandardCharsets.UTF_8);
                        b.operations(op -> op.index(i -> i.id(d[0]).document(BinaryData.of(json, "application/json"))));
                    }
                    BulkResponse response = client.bulk(b.build());
                    if (response.errors()) {
                        throw new IllegalStateException("bulk baseline: item errors, first "
                                + response.items().get(0).error());
                    }
                    return null;
                }));
                while (inFlight.size() >= concurrency * 2) {
                    inFlight.remove(0).get();
                }
            }
            for (Future<?> f : inFlight) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        return new Result(docs.size(), (System.nanoTime() - start) / 1e9, os.getProcessCpuTime() - cpu, List.of());
    }
}
