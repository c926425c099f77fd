package io.cdcfanout.it.rebuild;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdcfanout.it.harness.Backends;
import io.cdcfanout.it.harness.BackendsExtension;
import io.cdcfanout.it.harness.ElasticsearchBackend;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.it.support.Equalities;
import io.cdcfanout.it.support.EsDocs;
import io.cdcfanout.it.support.RebuildCalls;
import io.cdcfanout.it.support.Rows;
import io.cdcfanout.it.support.RunningService;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A rebuild into an index whose changed mapping some rows do not fit: the refused rows go to the dead-letter table
 * with the reason and the rebuild goes on; and {@code keep-old-indexes} keeps the generation the alias left.
 */
@ExtendWith(BackendsExtension.class)
class RebuildRejectionsIT {

    private static final int ROWS = 60;
    private static final Set<String> BAD = Set.of("7", "23", "41", "58");
    private static final String MAPPING = ", mapping: { properties: { code: { type: integer } } }";

    @Test
    void rowsTheNewMappingRefusesAreDeadLetteredTheRestIsRebuiltAndOneOldIndexIsKept(
            TestDatabase db, ElasticsearchBackend elasticsearch) throws Exception {
        db.execute(
                "CREATE TABLE coded (id int PRIMARY KEY, code text NOT NULL, note text)",
                "INSERT INTO coded SELECT g, CASE WHEN g IN (7, 23, 41, 58) THEN 'n/a-' || g ELSE g::text END,"
                        + " 'row ' || g FROM generate_series(1, " + ROWS + ") g");
        String prefix = Backends.uniqueName("esrejects");
        String index = prefix + "_coded";
        EsDocs es = new EsDocs(elasticsearch.url());
        try {
            // first start: dynamic mapping, every row fits (code is text)
            try (RunningService first =
                    RunningService.start(db, prefix, "public.coded", sinks(elasticsearch, index, ""))) {
                first.awaitReady();
                first.awaitCaughtUp(db);
                assertThat(es.liveRows(index)).hasSize(ROWS);
            }
            // second start: code is mapped as integer, which takes effect at the next rebuild
            String changed = "keep-old-indexes: 1\n    ";
            try (RunningService second =
                    RunningService.start(db, prefix, "public.coded", sinks(elasticsearch, index, changed, MAPPING))) {
                second.awaitReady();
                assertThat(deadLetters(db)).isEmpty();
                RebuildCalls calls = new RebuildCalls(second, "search");

                JsonNode first = calls.awaitFinal(calls.queue("?table=public.coded&chunk_size=10"))
                        .get(0);
                List<List<String>> letters = deadLetters(db);
                letters.forEach(l -> System.out.println("REBUILD DEAD LETTER " + l));
                System.out.printf(
                        "REBUILD REJECTIONS: rebuild %s; %d dead letters; cdc_sink_rejections_total %s%n",
                        first, letters.size(), rejectionsMetric(second));
                assertThat(first.path("phase").asText()).as(first.toString()).isEqualTo("DONE");
                assertThat(first.path("rows_copied").asLong()).isEqualTo(ROWS);
                assertThat(first.path("rows_rejected").asLong()).isEqualTo(BAD.size());
                assertThat(letters).extracting(l -> l.get(0)).containsExactlyInAnyOrderElementsOf(BAD);
                for (List<String> letter : letters) {
                    assertThat(letter.get(1)).isEqualTo("SNAPSHOT");
                    assertThat(letter.get(2)).isEqualTo("0/0");
                    assertThat(letter.get(3))
                            .as("the reason names the new index and the field")
                            .contains("rebuilding " + index + "_v2")
                            .contains("code");
                }
                assertThat(rejectionsMetric(second)).isEqualTo(BAD.size());

                Map<String, Map<String, String>> good = new TreeMap<>(Rows.read(db, "coded", "id"));
                good.keySet().removeAll(BAD);
                assertThat(good).hasSize(ROWS - BAD.size());
                assertThat(Equalities.esProblems(es, index, good))
                        .as("every good row is in the new index, and no bad one")
                        .isEmpty();
                assertThat(aliasTargets(es, index)).containsExactly(index + "_v2");
                assertThat(exists(es, index + "_v1"))
                        .as("kept: keep-old-indexes 1")
                        .isTrue();

                // the bad rows fixed, a second rebuild refuses nothing and deletes _v1, keeping _v2
                db.execute("UPDATE coded SET code = '900' || id WHERE code LIKE 'n/a-%'");
                second.awaitCaughtUp(db);
                JsonNode again = calls.awaitFinal(calls.queue("?table=public.coded&chunk_size=10"))
                        .get(0);
                second.awaitCaughtUp(db);
                System.out.printf(
                        "REBUILD KEEP-OLD-INDEXES: rebuild %s; _v1 %s, _v2 %s, alias on %s%n",
                        again, exists(es, index + "_v1"), exists(es, index + "_v2"), aliasTargets(es, index));
                assertThat(again.path("phase").asText()).as(again.toString()).isEqualTo("DONE");
                assertThat(again.path("rows_rejected").asLong()).isZero();
                assertThat(deadLetters(db)).as("nothing new refused").hasSize(BAD.size());
                assertThat(exists(es, index + "_v1"))
                        .as("older than the one kept")
                        .isFalse();
                assertThat(exists(es, index + "_v2"))
                        .as("the one the alias left, kept")
                        .isTrue();
                assertThat(aliasTargets(es, index)).containsExactly(index + "_v3");
                assertThat(Equalities.esProblems(es, index, Rows.read(db, "coded", "id")))
                        .isEmpty();
                assertThat(es.liveRows(index + "_v2"))
                        .as("the kept index as the alias left it: the fixed rows streamed into it")
                        .hasSize(ROWS);
            }

            // a roll-back: the alias pointed back at the kept _v2 by hand, then a restart. The next rebuild must
            // leave _v3 (live before, so not half-built) while it copies, build _v4 above it, and at the swap keep
            // the one the alias left (_v2)
            JsonNode rolledBack = es.send("POST", "/_aliases", """
                    {"actions": [{"remove": {"index": "%1$s_v3", "alias": "%1$s"}},
                                 {"add": {"index": "%1$s_v2", "alias": "%1$s", "is_write_index": true,
                                          "filter": {"bool": {"must_not": {"term": {"_cdc.deleted": true}}}}}}]}
                    """.formatted(index));
            assertThat(rolledBack.path("acknowledged").asBoolean())
                    .as(rolledBack.toString())
                    .isTrue();
            try (RunningService third = RunningService.start(
                    db, prefix, "public.coded", sinks(elasticsearch, index, "keep-old-indexes: 1\n    ", MAPPING))) {
                third.awaitReady();
                RebuildCalls calls = new RebuildCalls(third, "search");
                long id = calls.queue("?table=public.coded&chunk_size=10&rows_per_second=20")
                        .get(0);
                org.awaitility.Awaitility.await("the rebuild after the roll-back copies")
                        .atMost(java.time.Duration.ofSeconds(30))
                        .until(() -> calls.rebuild(id).path("rows_copied").asLong() >= 20);
                boolean v3WhileCopying = exists(es, index + "_v3");
                boolean v4WhileCopying = exists(es, index + "_v4");
                JsonNode after = calls.awaitFinal(List.of(id)).get(0);
                third.awaitCaughtUp(db);
                System.out.printf(
                        "REBUILD AFTER A ROLL-BACK: %s; while copying _v3 %s, _v4 %s; after: _v2 %s, _v3 %s, alias on %s%n",
                        after.path("phase").asText(),
                        v3WhileCopying,
                        v4WhileCopying,
                        exists(es, index + "_v2"),
                        exists(es, index + "_v3"),
                        aliasTargets(es, index));
                assertThat(after.path("phase").asText()).as(after.toString()).isEqualTo("DONE");
                assertThat(v3WhileCopying)
                        .as("a generation that was live is no half-built one")
                        .isTrue();
                assertThat(v4WhileCopying).as("numbered above every generation").isTrue();
                assertThat(aliasTargets(es, index)).containsExactly(index + "_v4");
                assertThat(exists(es, index + "_v2"))
                        .as("the one the alias left, kept")
                        .isTrue();
                assertThat(exists(es, index + "_v3"))
                        .as("beyond keep-old-indexes")
                        .isFalse();
                assertThat(Equalities.esProblems(es, index, Rows.read(db, "coded", "id")))
                        .isEmpty();
            }
        } finally {
            for (int n = 1; n <= 4; n++) {
                es.deleteIndex(index + "_v" + n);
            }
        }
    }

    private static String sinks(ElasticsearchBackend elasticsearch, String index, String sinkKeys, String... mapping) {
        return """
                  search:
                    type: elasticsearch
                    url: %s
                    %stables:
                      public.coded: { index: %s%s }
                """.formatted(elasticsearch.url(), sinkKeys, index, mapping.length == 0 ? "" : mapping[0]);
    }

    /** The search sink's dead letters of the table: key, operation, LSN, reason. */
    private static List<List<String>> deadLetters(TestDatabase db) {
        return db.rows("SELECT row_key, operation, lsn::text, reason FROM cdc_fanout.dead_letters"
                + " WHERE sink = 'search' AND table_name = 'public.coded' ORDER BY row_key::int");
    }

    private static double rejectionsMetric(RunningService service) {
        for (String line : service.get("/metrics").body().split("\n")) {
            if (line.startsWith("cdc_sink_rejections_total{")
                    && line.contains("sink=\"search\"")
                    && line.contains("table=\"public.coded\"")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }

    private static List<String> aliasTargets(EsDocs es, String alias) {
        return List.copyOf(iterable(es.send("GET", "/_alias/" + alias, null).fieldNames()));
    }

    private static List<String> iterable(java.util.Iterator<String> names) {
        java.util.List<String> out = new java.util.ArrayList<>();
        names.forEachRemaining(out::add);
        return out;
    }

    private static boolean exists(EsDocs es, String concrete) {
        return es.send("GET", "/" + concrete, null).path("status").asInt(200) == 200;
    }
}
