package io.cdcfanout.it.support;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdcfanout.schema.RowJson;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;

/** Compares derived views with the table they follow and lists every difference. */
public final class Equalities {

    private Equalities() {
    }

    /** Live documents of {@code index} against the table's rows: same ids, every field equal. */
    public static List<String> esProblems(EsDocs es, String index, Map<String, Map<String, String>> table) {
        return diff("es " + index, es.liveRows(index), table);
    }

    /** Two keyed row sets; each differing key is one line. */
    public static List<String> diff(String what, Map<String, Map<String, String>> actual, Map<String, Map<String, String>> expected) {
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
    public static List<String> cacheProblems(Function<String, HttpResponse<String>> get, String table, Collection<String> keys,
                                             Map<String, Map<String, String>> rows) {
        List<String> problems = new ArrayList<>();
        for (String key : keys) {
            HttpResponse<String> response = get.apply("/cache/" + table + "/" + key);
            Map<String, String> row = rows.get(key);
            if (row == null) {
                if (response.statusCode() != 404) {
                    problems.add("cache " + table + " " + key + ": row is gone but cache answers " + response.statusCode() + " " + response.body());
                }
                continue;
            }
            if (response.statusCode() != 200) {
                problems.add("cache " + table + " " + key + ": " + response.statusCode() + " " + response.body() + ", row is " + row);
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
