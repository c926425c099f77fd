package io.cdcfanout.it;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdcfanout.it.harness.Backends;
import io.cdcfanout.it.harness.BackendsExtension;
import io.cdcfanout.it.harness.ElasticsearchBackend;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.it.support.EsDocs;
import io.cdcfanout.it.support.RunningService;
import io.cdcfanout.service.CdcService;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.TreeMap;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Keys of every kind through all three sinks: bytea, uuid, numeric, timestamptz, text with URL-special
 * characters, and composite text keys whose values contain the separators. Each row is one document, one
 * cache entry and one history key, whether it arrived by snapshot/load or by streaming, and the HTTP reads
 * find it in every documented URL form.
 */
@ExtendWith(BackendsExtension.class)
class KeyTypesIT {

    private static final String TABLES =
            "public.blobs, public.uuids, public.nums, public.stamps, public.names, public.pairs";
    private static final String[] NAMES = {"blobs", "uuids", "nums", "stamps", "names", "pairs"};

    @Test
    void everyKeyTypeIsOneDocumentOneCacheEntryAndOneHistoryKey(TestDatabase db, ElasticsearchBackend elasticsearch)
            throws Exception {
        db.execute(
                "CREATE TABLE blobs (k bytea PRIMARY KEY, v int)",
                "CREATE TABLE uuids (k uuid PRIMARY KEY, v int)",
                "CREATE TABLE nums (k numeric PRIMARY KEY, v int)",
                "CREATE TABLE stamps (k timestamptz PRIMARY KEY, v int)",
                "CREATE TABLE names (k text PRIMARY KEY, v int)",
                "CREATE TABLE pairs (a text, b text, v int, PRIMARY KEY (a, b))",
                // loaded by the cache and snapshotted by the engine: the JDBC and the WAL path must agree
                "INSERT INTO blobs VALUES ('\\xdead', 0)",
                "INSERT INTO nums VALUES (3.10, 0)",
                "INSERT INTO stamps VALUES ('2023-01-01 00:00:00+00', 0)",
                "INSERT INTO pairs VALUES ('s&b=t', 'u', 0)");
        String prefix = Backends.uniqueName("keys");
        EsDocs es = new EsDocs(elasticsearch.url());
        StringBuilder indexes = new StringBuilder();
        StringBuilder histories = new StringBuilder();
        for (String name : NAMES) {
            indexes.append("      public.")
                    .append(name)
                    .append(": { index: ")
                    .append(prefix)
                    .append('_')
                    .append(name)
                    .append(" }\n");
            histories
                    .append("      public.")
                    .append(name)
                    .append(": { history-table: history.")
                    .append(name)
                    .append(" }\n");
        }
        String sinks = """
                  search:
                    type: elasticsearch
                    url: %s
                    tables:
                %s  cache:
                    type: caffeine
                    tables: [%s]
                  history:
                    type: scd2
                    tables:
                %s""".formatted(elasticsearch.url(), indexes, TABLES, histories);
        try (RunningService service = RunningService.start(db, prefix, TABLES, sinks)) {
            service.awaitReady();
            service.awaitCaughtUp(db);

            db.execute(
                    "INSERT INTO blobs VALUES ('\\x0102', 1)",
                    "INSERT INTO blobs VALUES ('\\xabcd', 1)",
                    "INSERT INTO blobs VALUES ('\\x', 1)",
                    "UPDATE blobs SET v = 2 WHERE k = '\\x0102'",
                    "UPDATE blobs SET v = 2 WHERE k = '\\xabcd'",
                    "DELETE FROM blobs WHERE k = '\\x'",
                    "DELETE FROM blobs WHERE k = '\\xdead'",
                    "INSERT INTO uuids VALUES ('6F9619FF-8B86-D011-B42D-00C04FC964FF', 1)",
                    "UPDATE uuids SET v = 2 WHERE k = '6f9619ff-8b86-d011-b42d-00c04fc964ff'",
                    "INSERT INTO nums VALUES (1.50, 1)",
                    "INSERT INTO nums VALUES (2, 1)",
                    "UPDATE nums SET v = 2 WHERE k = 1.5",
                    "UPDATE nums SET v = 2 WHERE k = 3.1",
                    "INSERT INTO stamps VALUES ('2024-05-01 12:15:30.5+02', 1)",
                    "UPDATE stamps SET v = 2 WHERE k = '2024-05-01T10:15:30.500Z'",
                    "INSERT INTO names VALUES ('a/b', 1), ('100%', 1), ('a&b=c', 1), ('', 1), ('x y?#', 1)",
                    "UPDATE names SET v = 2",
                    "INSERT INTO pairs VALUES ('x&b=y', 'z', 1)",
                    "INSERT INTO pairs VALUES ('x', 'y&b=z', 2)",
                    "INSERT INTO pairs VALUES ('100%', 'a/b', 3), ('', '', 4), ('=', '&', 5)",
                    "UPDATE pairs SET v = v + 10 WHERE a = 'x&b=y'");
            service.awaitCaughtUp(db);

            SoftAssertions soft = new SoftAssertions();

            // Elasticsearch: one live document per row, its id the key's canonical text
            soft.assertThat(es.live(prefix + "_blobs").keySet())
                    .as("blobs documents")
                    .containsExactlyInAnyOrder("\\x0102", "\\xabcd");
            soft.assertThat(es.live(prefix + "_uuids").keySet())
                    .as("uuids documents")
                    .containsExactly("6f9619ff-8b86-d011-b42d-00c04fc964ff");
            soft.assertThat(es.live(prefix + "_nums").keySet())
                    .as("nums documents")
                    .containsExactlyInAnyOrder("1.5", "2", "3.1");
            soft.assertThat(es.live(prefix + "_stamps").keySet())
                    .as("stamps documents")
                    .containsExactlyInAnyOrder("2023-01-01T00:00:00Z", "2024-05-01T10:15:30.500Z");
            soft.assertThat(es.live(prefix + "_names").keySet())
                    .as("names documents")
                    .containsExactlyInAnyOrder("a/b", "100%25", "a&b=c", "%", "x y?#");
            Map<String, JsonNode> pairs = es.live(prefix + "_pairs");
            soft.assertThat(pairs.keySet())
                    .as("pairs documents")
                    .containsExactlyInAnyOrder(
                            "a=s%26b%3Dt&b=u",
                            "a=x%26b%3Dy&b=z", "a=x&b=y%26b%3Dz", "a=100%25&b=a/b", "a=&b=", "a=%3D&b=%26");
            soft.assertThat(pairs.getOrDefault("a=x%26b%3Dy&b=z", es.send("GET", "/", null))
                            .path("v")
                            .asInt())
                    .as("pair 1 v")
                    .isEqualTo(11);
            soft.assertThat(pairs.getOrDefault("a=x&b=y%26b%3Dz", es.send("GET", "/", null))
                            .path("v")
                            .asInt())
                    .as("pair 2 v")
                    .isEqualTo(2);

            // cache: every URL form of a key finds the one entry
            cacheV(soft, service, "/cache/public.blobs/%5Cx0102", 2);
            cacheV(soft, service, "/cache/public.blobs/%5CxABCD", 2);
            cacheV(soft, service, "/cache/public.blobs?k=" + q("\\xabcd"), 2);
            cacheStatus(soft, service, "/cache/public.blobs/%5Cx", 404); // deleted
            cacheStatus(soft, service, "/cache/public.blobs/%5Cxdead", 404); // loaded, then deleted
            cacheStatus(soft, service, "/cache/public.blobs/0102", 400); // not \x hex
            cacheV(soft, service, "/cache/public.uuids/6F9619FF-8B86-D011-B42D-00C04FC964FF", 2);
            cacheV(soft, service, "/cache/public.uuids/6f9619ff-8b86-d011-b42d-00c04fc964ff", 2);
            cacheV(soft, service, "/cache/public.nums/1.50", 2);
            cacheV(soft, service, "/cache/public.nums/1.5", 2);
            cacheV(soft, service, "/cache/public.nums/3.1", 2);
            cacheV(soft, service, "/cache/public.nums/3.100", 2);
            cacheV(soft, service, "/cache/public.nums/2.0", 1);
            cacheV(soft, service, "/cache/public.stamps/2024-05-01T10:15:30.500Z", 2);
            cacheV(soft, service, "/cache/public.stamps/2024-05-01T12:15:30.5%2B02:00", 2);
            cacheV(soft, service, "/cache/public.stamps?k=" + q("2024-05-01 12:15:30.5+02"), 2);
            cacheV(soft, service, "/cache/public.stamps/2023-01-01T00:00:00Z", 0);
            cacheV(soft, service, "/cache/public.names/a%26b%3Dc", 2);
            cacheV(soft, service, "/cache/public.names?k=" + q("a/b"), 2);
            cacheV(soft, service, "/cache/public.names?k=" + q("100%"), 2);
            cacheV(soft, service, "/cache/public.names?k=", 2);
            cacheV(
                    soft,
                    service,
                    "/cache/public.names/"
                            + URLEncoder.encode("x y?#", StandardCharsets.UTF_8).replace("+", "%20"),
                    2);
            cacheV(soft, service, "/cache/public.pairs?a=" + q("x&b=y") + "&b=z", 11);
            cacheV(soft, service, "/cache/public.pairs?a=x&b=" + q("y&b=z"), 2);
            cacheV(soft, service, "/cache/public.pairs?a=" + q("100%") + "&b=" + q("a/b"), 3);
            cacheV(soft, service, "/cache/public.pairs?a=&b=", 4);
            cacheV(soft, service, "/cache/public.pairs?a=" + q("=") + "&b=" + q("&"), 5);
            cacheV(soft, service, "/cache/public.pairs?a=" + q("s&b=t") + "&b=u", 0);
            cacheStatus(soft, service, "/cache/public.pairs?a=x&b=y&b=z", 404);

            // history: one key per row, in the same URL forms
            soft.assertThat(historyKeys(db, "blobs", "encode(k, 'hex')"))
                    .as("blobs history")
                    .isEqualTo(Map.of("0102", 2, "abcd", 2, "", 2, "dead", 2));
            soft.assertThat(historyKeys(db, "nums", "k::text"))
                    .as("nums history")
                    .isEqualTo(Map.of("1.50", 2, "2", 1, "3.10", 2));
            soft.assertThat(historyKeys(db, "pairs", "a || '|' || b"))
                    .as("pairs history")
                    .isEqualTo(Map.of("x&b=y|z", 2, "x|y&b=z", 1, "100%|a/b", 1, "|", 1, "=|&", 1, "s&b=t|u", 1));
            historyVersions(soft, service, "/history/public.blobs/%5Cx0102", 2);
            historyVersions(soft, service, "/history/public.blobs/%5CxABCD", 2);
            historyVersions(soft, service, "/history/public.uuids/6F9619FF-8B86-D011-B42D-00C04FC964FF", 2);
            historyVersions(soft, service, "/history/public.nums/1.5", 2);
            historyVersions(soft, service, "/history/public.nums/1.50", 2);
            historyVersions(soft, service, "/history/public.stamps/2024-05-01T12:15:30.5%2B02:00", 2);
            historyVersions(soft, service, "/history/public.stamps/2024-05-01T10:15:30.500Z", 2);
            historyVersions(soft, service, "/history/public.names?k=" + q("a/b"), 2);
            historyVersions(soft, service, "/history/public.names?k=", 2);
            historyVersions(soft, service, "/history/public.pairs?a=" + q("x&b=y") + "&b=z", 2);
            historyVersions(soft, service, "/history/public.pairs?a=x&b=" + q("y&b=z"), 1);
            historyVersions(soft, service, "/history/public.pairs?a=" + q("=") + "&b=" + q("&"), 1);
            soft.assertAll();
        }
    }

    @Test
    void arrayKeysAreRefusedAtStartByTheCache(TestDatabase db) {
        db.execute("CREATE TABLE tagged (tags text[] PRIMARY KEY, v int)");
        String sinks = """
                  cache:
                    type: caffeine
                    tables: [public.tagged]
                """;
        assertThatThrownBy(() -> CdcService.start(RunningService.parse(
                                RunningService.configYaml(db, Backends.uniqueName("arrcache"), "public.tagged", sinks)))
                        .close())
                .hasStackTraceContaining("table public.tagged has array key column tags (_text)")
                .hasStackTraceContaining("remove the table from the cache's tables");
    }

    @Test
    void arrayKeysAreRefusedAtStartByTheHistory(TestDatabase db) {
        db.execute("CREATE TABLE tagged (tags text[] PRIMARY KEY, v int)");
        String sinks = """
                  history:
                    type: scd2
                    tables: { public.tagged: { history-table: history.tagged } }
                """;
        assertThatThrownBy(() -> CdcService.start(RunningService.parse(
                                RunningService.configYaml(db, Backends.uniqueName("arrhist"), "public.tagged", sinks)))
                        .close())
                .hasStackTraceContaining("source table public.tagged has array key column tags (text[])")
                .hasStackTraceContaining("remove the table from the sink's tables");
    }

    private static String q(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static void cacheV(SoftAssertions soft, RunningService service, String path, int v) {
        HttpResponse<String> response = service.get(path);
        soft.assertThat(response.statusCode())
                .as("GET %s: %s", path, response.body())
                .isEqualTo(200);
        if (response.statusCode() == 200) {
            soft.assertThat(service.getJson(path).path("row").path("v").asInt())
                    .as("GET %s v", path)
                    .isEqualTo(v);
        }
    }

    private static void cacheStatus(SoftAssertions soft, RunningService service, String path, int status) {
        HttpResponse<String> response = service.get(path);
        soft.assertThat(response.statusCode())
                .as("GET %s: %s", path, response.body())
                .isEqualTo(status);
    }

    private static void historyVersions(SoftAssertions soft, RunningService service, String path, int versions) {
        HttpResponse<String> response = service.get(path);
        soft.assertThat(response.statusCode())
                .as("GET %s: %s", path, response.body())
                .isEqualTo(200);
        if (response.statusCode() == 200) {
            soft.assertThat(service.getJson(path).path("versions").size())
                    .as("GET %s versions", path)
                    .isEqualTo(versions);
        }
    }

    /** History rows per key of {@code history.<table>}, the key given by {@code keyExpression}. */
    private static Map<String, Integer> historyKeys(TestDatabase db, String table, String keyExpression)
            throws Exception {
        Map<String, Integer> counts = new TreeMap<>();
        try (Connection c = db.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT " + keyExpression + ", count(*) FROM history." + table + " GROUP BY 1")) {
            while (rs.next()) {
                counts.put(rs.getString(1), rs.getInt(2));
            }
        }
        return counts;
    }
}
