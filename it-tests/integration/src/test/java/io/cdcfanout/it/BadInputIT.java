package io.cdcfanout.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdcfanout.it.harness.Backends;
import io.cdcfanout.it.harness.BackendsExtension;
import io.cdcfanout.it.harness.ElasticsearchBackend;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.it.support.EsDocs;
import io.cdcfanout.it.support.Rows;
import io.cdcfanout.it.support.RunningService;
import io.cdcfanout.schema.RowJson;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Awkward rows and schema changes, streamed to all three sinks: each change is either applied correctly or
 * dead-lettered with a reason, the pipeline never stops, and a later change still arrives everywhere.
 */
@ExtendWith(BackendsExtension.class)
class BadInputIT {

    private static final String ONE_MB = "x".repeat(1 << 20);
    private static final String UNICODE_JSON =
            "{\"emoji\": \"😀🇩🇪👩‍👩‍👧\", \"astral\": \"𝔘𝔫𝔦𝔠𝔬𝔡𝔢\", \"rtl\": \"مرحبا\","
                    + " \"separators\": \"a\\u2028b\\u2029c\", \"zero_width\": \"a\\u200bb\", \"combining\": \"e\\u0301\", \"bom\": \"\\ufeff\", \"nested\": {\"ключ\": [\"値\", 1.5e300]}}";
    private static final String THOUSAND_DIGITS = "9".repeat(1000);

    @Test
    void oddValuesAndSchemaChangesAreAppliedOrDeadLettered(TestDatabase db, ElasticsearchBackend elasticsearch)
            throws Exception {
        db.execute(
                "CREATE TABLE odd (id int PRIMARY KEY, t text, j jsonb, n numeric, f double precision, r real,"
                        + " ts timestamptz, tsl timestamp, d date, qty int, arr int[])",
                "CREATE TABLE doomed (id int PRIMARY KEY, v text)",
                "INSERT INTO odd (id, t) VALUES (0, 'snapshot row')",
                "INSERT INTO doomed VALUES (1, 'a')");
        String prefix = Backends.uniqueName("bad");
        EsDocs es = new EsDocs(elasticsearch.url());
        String sinks = """
                  search:
                    type: elasticsearch
                    url: %s
                    tables:
                      public.odd: { index: %s_odd }
                      public.doomed: { index: %s_doomed }
                  cache:
                    type: caffeine
                    tables: [public.odd, public.doomed]
                  history:
                    type: scd2
                    tables:
                      public.odd: { history-table: history.odd }
                      public.doomed: { history-table: history.doomed }
                """.formatted(elasticsearch.url(), prefix, prefix);
        try (RunningService service = RunningService.start(db, prefix, "public.odd, public.doomed", sinks)) {
            service.awaitReady();
            service.awaitCaughtUp(db); // the snapshot is done: what follows is streamed

            db.execute(
                    "INSERT INTO odd (id) VALUES (1)", // NULL in every nullable column
                    "INSERT INTO odd (id, t) VALUES (2, repeat('x', 1048576))",
                    "INSERT INTO odd (id, j) VALUES (3, '" + UNICODE_JSON.replace("'", "''") + "')",
                    "INSERT INTO odd (id, n) VALUES (4, " + THOUSAND_DIGITS + ")",
                    "INSERT INTO odd (id, n) VALUES (5, 'NaN')",
                    "INSERT INTO odd (id, f, r) VALUES (6, 'Infinity', '-Infinity')",
                    "INSERT INTO odd (id, f, r) VALUES (7, 'NaN', 'NaN')",
                    "INSERT INTO odd (id, ts) VALUES (8, 'infinity')",
                    "INSERT INTO odd (id, ts, d, tsl) VALUES (9, '-infinity', '-infinity', 'infinity')",
                    "INSERT INTO odd (id, n) VALUES (10, 'Infinity')",
                    "INSERT INTO odd (id, tsl, d) VALUES (14, '3000-01-01 12:00:00.123456', 'infinity')",
                    "UPDATE odd SET qty = 5 WHERE id = 2", // TOASTed t unchanged
                    "ALTER TABLE odd ADD COLUMN extra text",
                    "INSERT INTO odd (id, extra) VALUES (11, 'added')",
                    "ALTER TABLE odd DROP COLUMN arr",
                    "INSERT INTO odd (id, qty) VALUES (12, 12)",
                    "ALTER TABLE odd ALTER COLUMN qty TYPE text USING qty::text",
                    "INSERT INTO odd (id, qty) VALUES (13, 'thirteen')",
                    "UPDATE odd SET qty = 'twelve' WHERE id = 12",
                    "INSERT INTO doomed VALUES (2, 'b')",
                    "DROP TABLE doomed");
            db.execute("INSERT INTO odd (id, t) VALUES (99, 'later change')");
            service.awaitCaughtUp(db, Duration.ofSeconds(120));

            List<String> problems = new ArrayList<>();
            Map<String, String> outcome = new LinkedHashMap<>();
            for (int id : new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 99}) {
                for (String sink : List.of("search", "cache", "history")) {
                    JsonNode applied = switch (sink) {
                        case "search" -> esDoc(es, prefix + "_odd", id);
                        case "cache" -> cacheRow(service, id);
                        default -> historyData(db, id);
                    };
                    String letter = deadLetter(db, sink, "public.odd", String.valueOf(id));
                    if (applied == null && letter == null) {
                        problems.add("odd " + id + " neither in " + sink + " nor dead-lettered");
                    }
                    if (applied != null) {
                        String wrong = wrongValue(id, applied);
                        if (wrong != null) {
                            problems.add("odd " + id + " in " + sink + ": " + wrong);
                        }
                    }
                    if (letter != null && letter.isBlank()) {
                        problems.add("odd " + id + " dead-lettered by " + sink + " without a reason");
                    }
                    outcome.put(id + "/" + sink, applied != null ? "applied" : "dead letter: " + abbreviate(letter));
                }
            }
            outcome.forEach((k, v) -> System.out.println("BAD INPUT " + k + " -> " + v));

            // changes that nothing excuses from being applied everywhere
            for (int id : new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 99}) {
                assertThat(cacheRow(service, id)).as("odd %d in the cache", id).isNotNull();
                assertThat(historyData(db, id)).as("odd %d in history", id).isNotNull();
                // Elasticsearch refuses, for good, values that do not fit the field its dynamic mapping made:
                // 4's 1000-digit number (a long field), and, depending on which qty value reached the index first,
                // qty as text after ALTER COLUMN qty TYPE text (12's update, 13). Those are dead-lettered (checked
                // above); when 12's insert and update share a batch only the newest state is sent, so 12 may have
                // no document at all.
                if (id != 4 && id != 12 && id != 13) {
                    assertThat(esDoc(es, prefix + "_odd", id))
                            .as("odd %d in the index", id)
                            .isNotNull();
                }
            }
            assertThat(deadLetter(db, "search", "public.odd", "4"))
                    .as("odd 4 dead-lettered by search")
                    .contains("failed to parse field [n]");
            assertThat(historyData(db, 12).get("qty").asText()).isEqualTo("twelve");
            assertThat(cacheRow(service, 11).get("extra").asText()).isEqualTo("added");
            assertThat(cacheRow(service, 12).has("arr"))
                    .as("dropped column gone")
                    .isFalse();
            assertThat(cacheRow(service, 2).get("t").asText().length())
                    .as("TOASTed 1 MB text carried over an update")
                    .isEqualTo(1 << 20);
            assertThat(esDoc(es, prefix + "_odd", 2).get("t").asText().length()).isEqualTo(1 << 20);
            // a change of a table dropped right after it: Debezium reads the (gone) table's key from the catalog
            // and sends the change without a key; it must still arrive, keyed by the columns seen before
            assertThat(historyData(db, "history.doomed", 2))
                    .as("doomed 2 in history")
                    .isNotNull();
            assertThat(service.get("/cache/public.doomed/2").statusCode())
                    .as("doomed 2 in the cache")
                    .isEqualTo(200);
            assertThat(esDoc(es, prefix + "_doomed", 2))
                    .as("doomed 2 in the index")
                    .isNotNull();
            assertThat(service.get("/ready").statusCode()).as("still ready").isEqualTo(200);
            assertThat(service.getJson("/status").get("source").get("streaming").asBoolean())
                    .isTrue();
            assertThat(problems).isEmpty();
        } finally {
            es.deleteIndex(prefix + "_odd_v1");
            es.deleteIndex(prefix + "_doomed_v1");
        }
    }

    /** Null when the value is what Postgres holds, else what is wrong. */
    private static String wrongValue(int id, JsonNode row) {
        return switch (id) {
            case 1 ->
                row.get("t").isNull()
                                && row.get("j").isNull()
                                && row.get("n").isNull()
                                && row.get("ts").isNull()
                        ? null
                        : "expected NULLs: " + abbreviate(row.toString());
            case 2 -> row.has("t") && row.get("t").asText().equals(ONE_MB) ? null : "1 MB text differs";
            case 3 ->
                Rows.sameJson(io.cdcfanout.schema.CanonicalValues.json(UNICODE_JSON), row.get("j"))
                        ? null
                        : "jsonb differs: " + row.get("j");
            case 4 ->
                row.get("n").isNumber()
                                && row.get("n").decimalValue().toPlainString().equals(THOUSAND_DIGITS)
                        ? null
                        : "1000-digit numeric differs: "
                                + abbreviate(row.get("n").toString());
            case 5 -> row.get("n").asText().equals("NaN") ? null : "numeric NaN is " + row.get("n");
            case 6 ->
                row.get("f").asText().equals("Infinity")
                                && row.get("r").asText().equals("-Infinity")
                        ? null
                        : "infinities are " + row.get("f") + ", " + row.get("r");
            case 7 ->
                row.get("f").asText().equals("NaN") && row.get("r").asText().equals("NaN")
                        ? null
                        : "NaNs are " + row.get("f") + ", " + row.get("r");
            case 8 -> row.get("ts").asText().equals("infinity") ? null : "timestamptz infinity is " + row.get("ts");
            case 9 ->
                row.get("ts").asText().equals("-infinity")
                                && row.get("d").asText().equals("-infinity")
                                && row.get("tsl").asText().equals("infinity")
                        ? null
                        : "-infinity/infinity are " + row.get("ts") + ", " + row.get("d") + ", " + row.get("tsl");
            case 10 -> row.get("n").asText().equals("Infinity") ? null : "numeric Infinity is " + row.get("n");
            case 14 ->
                row.get("tsl").asText().equals("3000-01-01T12:00:00.123456")
                                && row.get("d").asText().equals("infinity")
                        ? null
                        : "year 3000 / date infinity are " + row.get("tsl") + ", " + row.get("d");
            default -> null;
        };
    }

    private static String abbreviate(String s) {
        return s == null ? null : s.length() > 300 ? s.substring(0, 300) + "…" : s;
    }

    private static JsonNode esDoc(EsDocs es, String index, int id) {
        es.send("POST", "/" + index + "/_refresh", null);
        JsonNode hits = es.send(
                        "POST", "/" + index + "/_search", "{\"query\": {\"ids\": {\"values\": [\"" + id + "\"]}}}")
                .path("hits")
                .path("hits");
        return hits.isEmpty() ? null : hits.get(0).get("_source");
    }

    private static JsonNode cacheRow(RunningService service, int id) throws Exception {
        HttpResponse<String> r = service.get("/cache/public.odd/" + id);
        return r.statusCode() == 200 ? RowJson.MAPPER.readTree(r.body()).get("row") : null;
    }

    private static JsonNode historyData(TestDatabase db, int id) throws Exception {
        return historyData(db, "history.odd", id);
    }

    private static JsonNode historyData(TestDatabase db, String table, int id) throws Exception {
        try (Connection c = db.connect();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT data::text FROM " + table + " WHERE id = ? AND valid_to IS NULL AND NOT deleted")) {
            ps.setInt(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? RowJson.MAPPER.readTree(rs.getString(1)) : null;
            }
        }
    }

    private static String deadLetter(TestDatabase db, String sink, String table, String key) throws Exception {
        try (Connection c = db.connect();
                // a sink's rejection, or a change nothing could decode (sink "(converter)", key as Debezium's Struct
                // text)
                PreparedStatement ps = c.prepareStatement(
                        "SELECT string_agg(reason, ' | ') FROM cdc_fanout.dead_letters WHERE table_name = ?"
                                + " AND ((sink = ? AND row_key = ?) OR (sink = '(converter)' AND row_key LIKE '%=' || ? || '}'))")) {
            ps.setString(1, table);
            ps.setString(2, sink);
            ps.setString(3, key);
            ps.setString(4, key);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }
}
