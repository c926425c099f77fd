package io.cdcfanout.it.kafka.support;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdcfanout.it.support.Rows;
import io.cdcfanout.schema.RowJson;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** A sidecar's cache against the table it follows: every difference, one line each. */
public final class CacheCheck {

    private CacheCheck() {}

    /**
     * {@code GET /cache/<table>/<key>} for every key in {@code keys}: 200 with the row for rows that exist, 404 for
     * the others.
     */
    public static List<String> problems(
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
