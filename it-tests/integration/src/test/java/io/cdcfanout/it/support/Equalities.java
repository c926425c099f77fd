package io.cdcfanout.it.support;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.schema.RowJson;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.IntStream;

/** Compares derived views with the table they follow and lists every difference. */
public final class Equalities {

    private Equalities() {}

    /**
     * The differences {@link #allSinks} found, split so a report can tell the sinks apart.
     *
     * @param esAndCache      documents and cache entries that differ from their row (or should not exist)
     * @param history         history versions that differ from the row or from the committed versions
     * @param historyVersions history versions read
     */
    public record Differences(List<String> esAndCache, List<String> history, long historyVersions) {
        public List<String> all() {
            List<String> all = new ArrayList<>(esAndCache);
            all.addAll(history);
            return all;
        }
    }

    /**
     * Every difference between the workload's tables ({@code products}, {@code stock}) and all three sinks:
     * the indexes {@code <indexPrefix>_products/_stock}, the cache, and the history tables (which must also
     * hold exactly the workload's committed versions, in commit order).
     */
    public static Differences allSinks(
            TestDatabase db,
            EsDocs es,
            String indexPrefix,
            Function<String, HttpResponse<String>> cacheGet,
            Workload workload) {
        Map<String, Map<String, String>> products = Rows.read(db, "products", "id");
        Map<String, Map<String, String>> stock = Rows.read(db, "stock", "sku");
        List<String> esAndCache = new ArrayList<>();
        esAndCache.addAll(esProblems(es, indexPrefix + "_products", products));
        esAndCache.addAll(esProblems(es, indexPrefix + "_stock", stock));
        esAndCache.addAll(cacheProblems(
                cacheGet,
                "public.products",
                IntStream.rangeClosed(1, Workload.KEYS)
                        .mapToObj(String::valueOf)
                        .toList(),
                products));
        esAndCache.addAll(cacheProblems(
                cacheGet,
                "public.stock",
                IntStream.rangeClosed(1, Workload.KEYS).mapToObj(Workload::sku).toList(),
                stock));
        var productHistory = HistoryCheck.read(db, "history.products", "id");
        var stockHistory = HistoryCheck.read(db, "history.stock", "sku");
        List<String> history = new ArrayList<>();
        history.addAll(HistoryCheck.problems(productHistory, products));
        history.addAll(HistoryCheck.problems(stockHistory, stock));
        history.addAll(HistoryCheck.againstWorkload(productHistory, "products", workload));
        history.addAll(HistoryCheck.againstWorkload(stockHistory, "stock", workload));
        long versions = productHistory.values().stream().mapToLong(List::size).sum()
                + stockHistory.values().stream().mapToLong(List::size).sum();
        return new Differences(esAndCache, history, versions);
    }

    /** Live documents of {@code index} against the table's rows: same ids, every field equal. */
    public static List<String> esProblems(EsDocs es, String index, Map<String, Map<String, String>> table) {
        return diff("es " + index, es.liveRows(index), table);
    }

    /** Two keyed row sets; each differing key is one line. */
    public static List<String> diff(
            String what, Map<String, Map<String, String>> actual, Map<String, Map<String, String>> expected) {
        List<String> problems = new ArrayList<>();
        TreeSet<String> keys = new TreeSet<>(actual.keySet());
        keys.addAll(expected.keySet());
        for (String key : keys) {
            Map<String, String> a = actual.get(key);
            Map<String, String> e = expected.get(key);
            if (e == null) {
                problems.add(what + " " + key + ": extra " + a + " (row is gone)");
            } else if (a == null) {
                problems.add(what + " " + key + ": missing, row is " + e);
            } else if (!a.equals(e)) {
                problems.add(what + " " + key + ": " + a + " != row " + e);
            }
        }
        return problems;
    }

    /** Number of keys on which two row sets differ. */
    public static int divergent(Map<String, Map<String, String>> actual, Map<String, Map<String, String>> expected) {
        return diff("", actual, expected).size();
    }

    /**
     * {@code GET /cache/<table>/<key>} for every key in {@code keys}: 200 with the row for rows that exist,
     * 404 for the others.
     */
    public static List<String> cacheProblems(
            Function<String, HttpResponse<String>> get,
            String table,
            Collection<String> keys,
            Map<String, Map<String, String>> rows) {
        List<String> problems = new ArrayList<>();
        for (String key : keys) {
            HttpResponse<String> response = get.apply("/cache/" + table + "/" + key);
            Map<String, String> row = rows.get(key);
            if (row == null) {
                if (response.statusCode() != 404) {
                    problems.add("cache " + table + " " + key + ": row is gone but cache answers "
                            + response.statusCode() + " " + response.body());
                }
                continue;
            }
            if (response.statusCode() != 200) {
                problems.add("cache " + table + " " + key + ": " + response.statusCode() + " " + response.body()
                        + ", row is " + row);
                continue;
            }
            try {
                JsonNode body = RowJson.MAPPER.readTree(response.body());
                Map<String, String> cached = Rows.fromJson(body.get("row"));
                if (!cached.equals(row)) {
                    problems.add("cache " + table + " " + key + ": " + cached + " != row " + row);
                }
            } catch (IOException e) {
                problems.add("cache " + table + " " + key + ": unreadable " + response.body());
            }
        }
        return problems;
    }
}
