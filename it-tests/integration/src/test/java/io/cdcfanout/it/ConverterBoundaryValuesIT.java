package io.cdcfanout.it;

import static io.cdcfanout.it.ConverterBoundaryValuesIT.Outcome.deadLettered;
import static io.cdcfanout.it.ConverterBoundaryValuesIT.Outcome.exactly;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdcfanout.it.harness.Backends;
import io.cdcfanout.it.harness.BackendsExtension;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.it.support.RecordingSink;
import io.cdcfanout.it.support.RunningService;
import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.RowJson;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Boundary values of the Postgres types beyond ConverterIT's common ones, through real logical decoding (and
 * the snapshot), into the recording sink and the cache: each is converted exactly, dead-lettered by the
 * converter with a reason, or (where Debezium itself drops or changes it, as noted) pinned as Debezium sends
 * it; and the change after them all still flows. One row per value, so one refusal hides no other value.
 */
@ExtendWith(BackendsExtension.class)
class ConverterBoundaryValuesIT {

    /** What a sink gets for a value: exactly {@code value}, or a dead letter whose reason has {@code reason}. */
    record Outcome(Object value, String reason) {
        static Outcome exactly(Object value) {
            return new Outcome(value, null);
        }

        static Outcome deadLettered(String reason) {
            return new Outcome(null, reason);
        }
    }

    record Case(String column, String literal, Outcome outcome) {}

    private static final Map<String, String> COLUMNS = new LinkedHashMap<>();
    private static final List<Case> CASES = new ArrayList<>();

    static {
        col(
                "c_time",
                "time",
                "'24:00:00'",
                exactly("24:00:00"),
                "'00:00:00'",
                exactly("00:00:00"),
                "'23:59:59.999999'",
                exactly("23:59:59.999999"));
        // Debezium sends timetz in UTC: the instant of the day is exact, the offset is not kept. Its 24:00:00+00
        // arrives as 00:00:00Z (Debezium's loss; the converter cannot tell the two apart).
        col(
                "c_timetz",
                "timetz",
                "'24:00:00+00'",
                exactly("00:00:00Z"),
                "'00:00:00+15:59'",
                exactly("08:01:00Z"),
                "'23:59:59.999999-15:59'",
                exactly("15:58:59.999999Z"),
                "'12:00:00+05:30'",
                exactly("06:30:00Z"));
        col(
                "c_interval",
                "interval",
                "'178000000 years'",
                exactly("P178000000Y0M0DT0H0M0S"),
                "'-178000000 years'",
                exactly("P-178000000Y0M0DT0H0M0S"),
                "'1 year 2 mons 3 days 04:05:06.789012'",
                exactly("P1Y2M3DT4H5M6.789012S"),
                "'-1 day +02:00:00'",
                exactly("P0Y0M-1DT2H0M0S"),
                "'0.000001 seconds'",
                exactly("P0Y0M0DT0H0M0.000001S"),
                "'00:00:00'",
                exactly("P0Y0M0DT0H0M0S"),
                "'-1 mons -3 days -00:00:00.5'",
                exactly("P0Y-1M-3DT0H0M-0.5S"));
        col(
                "c_money",
                "money",
                "'92233720368547758.07'",
                exactly("92233720368547758.07"),
                "'-92233720368547758.08'",
                exactly("-92233720368547758.08"),
                "'0.01'",
                exactly("0.01"),
                "'1234.56'",
                exactly("1234.56"));
        col(
                "c_inet",
                "inet",
                "'192.168.0.1/24'",
                exactly("192.168.0.1/24"),
                "'::1'",
                exactly("::1"),
                "'2001:db8::ff00:42:8329/64'",
                exactly("2001:db8::ff00:42:8329/64"));
        col("c_cidr", "cidr", "'10.0.0.0/8'", exactly("10.0.0.0/8"), "'2001:db8::/32'", exactly("2001:db8::/32"));
        col("c_macaddr", "macaddr", "'08:00:2b:01:02:03'", exactly("08:00:2b:01:02:03"));
        col("c_macaddr8", "macaddr8", "'08:00:2b:01:02:03:04:05'", exactly("08:00:2b:01:02:03:04:05"));
        col("c_bit1", "bit(1)", "B'1'", exactly(true), "B'0'", exactly(false));
        col(
                "c_bit10",
                "bit(10)",
                "B'1010000001'",
                exactly("1010000001"),
                "B'0000000000'",
                exactly("0000000000"),
                "B'0000000001'",
                exactly("0000000001"));
        Outcome varbit = deadLettered("varbit value cannot be carried exactly");
        col("c_varbit", "varbit", "B'0001'", varbit, "B'1'", varbit, "B''", varbit, "B'10000000000000001'", varbit);
        col(
                "c_tsvector",
                "tsvector",
                "'fat:2,4 cat:3 rat:5A'",
                exactly("'cat':3 'fat':2,4 'rat':5A"),
                "''",
                exactly(""));
        col("c_tsquery", "tsquery", "'fat & (rat | cat)'", exactly("'fat' & ( 'rat' | 'cat' )"));
        col(
                "c_int4range",
                "int4range",
                "'[1,10)'",
                exactly("[1,10)"),
                "'empty'",
                exactly("empty"),
                "'(,)'",
                exactly("(,)"));
        col("c_numrange", "numrange", "'[1.5,2.25]'", exactly("[1.5,2.25]"));
        col(
                "c_tstzrange",
                "tstzrange",
                "'[2024-01-01 00:00+00,infinity)'",
                exactly("[\"2024-01-01 00:00:00+00\",infinity)"));
        col("c_daterange", "daterange", "'[2024-01-01,2024-02-01)'", exactly("[2024-01-01,2024-02-01)"));
        col(
                "c_pair",
                "pair",
                "ROW(1, 'x,y\"z')::pair",
                exactly("(1,\"x,y\"\"z\")"),
                "ROW(NULL, NULL)::pair",
                exactly("(,)"));
        col("c_posint", "posint", "2147483647", exactly(2147483647L));
        col("c_dtime", "dtime", "'24:00:00'", exactly("24:00:00"));
        col("c_dinterval", "dinterval", "'-178000000 years'", exactly("P-178000000Y0M0DT0H0M0S"));
        col("c_dmoney", "dmoney", "'-92233720368547758.08'", exactly("-92233720368547758.08"));
        col("c_dinet", "dinet", "'::1'", exactly("::1"));
        col(
                "c_dbits",
                "dbits",
                "B'1010000001'",
                deadLettered("bit string of a domain type value cannot be carried exactly"));
        col("c_dtext", "dtext", "'domain text'", exactly("domain text"));
        col(
                "c_xml",
                "xml",
                "'<a b=\"1\">x &amp; y</a>'",
                exactly("<a b=\"1\">x &amp; y</a>"),
                "'text only'",
                exactly("text only"));
        // Arrays. Debezium 3.6 turns 24:00:00 in a time[] into 00:00:00, sends bit[] as NULL, and leaves interval[],
        // money[], varbit[] and xml[] columns out of its events (it has no converter for them); ArrayTextConverter
        // hands their Postgres text over instead, and these were "missing" and "00:00:00" before it.
        col(
                "c_time_arr",
                "time[]",
                "'{24:00:00,12:00:00}'",
                exactly(List.of("24:00:00", "12:00:00")),
                "'{{00:00:00,NULL},{23:59:59.999999,24:00:00}}'",
                exactly(List.of(Arrays.asList("00:00:00", null), List.of("23:59:59.999999", "24:00:00"))),
                "'[0:1]={12:00:00,13:00:00}'",
                deadLettered("has explicit bounds, which a list cannot carry"));
        col("c_timetz_arr", "timetz[]", "'{24:00:00+00,12:00:00+05:30}'", exactly(List.of("00:00:00Z", "06:30:00Z")));
        col(
                "c_interval_arr",
                "interval[]",
                "'{\"178000000 years\",\"-1 day +02:00:00\"}'",
                exactly(List.of("P178000000Y0M0DT0H0M0S", "P0Y0M-1DT2H0M0S")),
                "'{}'",
                exactly(List.of()));
        col(
                "c_money_arr",
                "money[]",
                "'{92233720368547758.07,0.01,-92233720368547758.08,NULL}'",
                exactly(Arrays.asList("92233720368547758.07", "0.01", "-92233720368547758.08", null)));
        col("c_inet_arr", "inet[]", "'{192.168.0.1/24,::1}'", exactly(List.of("192.168.0.1/24", "::1")));
        col("c_cidr_arr", "cidr[]", "'{10.0.0.0/8}'", exactly(List.of("10.0.0.0/8")));
        col("c_macaddr_arr", "macaddr[]", "'{08:00:2b:01:02:03}'", exactly(List.of("08:00:2b:01:02:03")));
        col("c_bit_arr", "bit(3)[]", "'{101,001}'", exactly(List.of("101", "001")));
        col("c_varbit_arr", "varbit[]", "'{0001,1,\"\"}'", exactly(List.of("0001", "1", "")));
        col("c_tsvector_arr", "tsvector[]", "ARRAY['fat:2 cat:3'::tsvector]", exactly(List.of("'cat':3 'fat':2")));
        col("c_range_arr", "int4range[]", "'{\"[1,10)\",empty}'", exactly(List.of("[1,10)", "empty")));
        col(
                "c_pair_arr",
                "pair[]",
                "ARRAY[ROW(1,'a')::pair, ROW(2,'b,c')::pair]",
                exactly(List.of("(1,a)", "(2,\"b,c\")")));
        col("c_posint_arr", "posint[]", "'{1,2}'", exactly(List.of("1", "2")));
        col("c_dtext_arr", "dtext[]", "'{a,\"b c\"}'", exactly(List.of("a", "b c")));
        col(
                "c_xml_arr",
                "xml[]",
                "ARRAY['<a b=\"1\">x, y</a>'::xml, 'text'::xml]",
                exactly(List.of("<a b=\"1\">x, y</a>", "text")));
        col(
                "c_bytea_arr",
                "bytea[]",
                "ARRAY['\\xdeadbeef'::bytea]",
                exactly(List.of(HexFormat.of().parseHex("deadbeef"))));
        col("c_date_arr", "date[]", "'{2024-02-29}'", exactly(List.of("2024-02-29")));
        // Debezium renders ±infinity inside date[] (and -infinity inside timestamptz[]) as instants far outside
        // Postgres' range; the converter refuses them rather than pass them for dates.
        col("c_date_inf_arr", "date[]", "'{infinity,-infinity}'", deadLettered("is outside Postgres' range"));
        col("c_tstz_inf_arr", "timestamptz[]", "'{infinity,-infinity}'", deadLettered("is outside Postgres' range"));
        col("c_ts_inf_arr", "timestamp[]", "'{infinity,-infinity}'", exactly(List.of("infinity", "-infinity")));
        // Debezium copies a constant DEFAULT into the column's schema, and Connect's Struct.get hands it out for a
        // NULL: an explicit NULL must still arrive as NULL (it arrived as 'draft' before the converter read the
        // value without the default).
        col("c_defaulted", "text DEFAULT 'draft'", "NULL", exactly(null), "'sent'", exactly("sent"));
        col("c_defaulted_int", "int DEFAULT 7", "NULL", exactly(null), "0", exactly(0L));
    }

    private static void col(String name, String type, Object... literalsAndOutcomes) {
        COLUMNS.put(name, type);
        for (int i = 0; i < literalsAndOutcomes.length; i += 2) {
            CASES.add(new Case(name, (String) literalsAndOutcomes[i], (Outcome) literalsAndOutcomes[i + 1]));
        }
    }

    @Test
    void boundaryValuesAreConvertedExactlyOrDeadLetteredAndLaterChangesFlow(TestDatabase db) throws Exception {
        db.execute(
                "CREATE TYPE pair AS (a int, b text)",
                "CREATE DOMAIN posint AS int CHECK (VALUE > 0)",
                "CREATE DOMAIN dtime AS time",
                "CREATE DOMAIN dinterval AS interval",
                "CREATE DOMAIN dmoney AS money",
                "CREATE DOMAIN dinet AS inet",
                "CREATE DOMAIN dbits AS bit(10)",
                "CREATE DOMAIN dtext AS text CHECK (VALUE <> '')",
                "CREATE TABLE boundary (id int PRIMARY KEY, "
                        + String.join(
                                ", ",
                                COLUMNS.entrySet().stream()
                                        .map(e -> e.getKey() + " " + e.getValue())
                                        .toList())
                        + ")");
        insertEveryCase(db, SNAPSHOT_IDS);
        // bytea is told from unknown types (both bytes) by its propagated source type; a key must keep it too
        db.execute("CREATE TABLE bytea_keyed (k bytea PRIMARY KEY, v int)");
        String slot = Backends.uniqueName("boundary");
        String sinks = """
                  rec:
                    type: recording
                    id: %s
                    tables: [public.boundary, public.bytea_keyed]
                  cache:
                    type: caffeine
                    tables: [public.boundary]
                """.formatted(slot);
        try (RunningService service = RunningService.start(db, slot, "public.boundary, public.bytea_keyed", sinks)) {
            service.awaitReady();
            service.awaitCaughtUp(db);
            insertEveryCase(db, STREAMED_IDS);
            db.execute(
                    "INSERT INTO bytea_keyed VALUES ('\\xdeadbeef', 1)",
                    "INSERT INTO boundary (id, c_time) VALUES (" + LATER_ID + ", '12:00:00')");
            service.awaitCaughtUp(db);

            Map<String, ChangeEvent> events = new LinkedHashMap<>();
            List<ChangeEvent> byteaKeyed = new ArrayList<>();
            RecordingSink.events(slot).forEach(e -> {
                if (e.table().table().equals("bytea_keyed")) {
                    byteaKeyed.add(e);
                } else {
                    events.put(e.key().asText(), e);
                }
            });
            assertThat(byteaKeyed).singleElement().satisfies(e -> {
                assertThat(describe(e.key().values().get(0))).isEqualTo("bytes deadbeef");
                assertThat(describe(e.after().get("k"))).isEqualTo("bytes deadbeef");
            });
            Map<String, String> deadLetters = deadLetters(db);
            List<String> problems = new ArrayList<>();
            for (int i = 0; i < CASES.size(); i++) {
                Case c = CASES.get(i);
                for (int id : new int[] {SNAPSHOT_IDS + i, STREAMED_IDS + i}) {
                    String what = c.column() + " = " + c.literal() + " (id " + id
                            + (id < STREAMED_IDS ? ", snapshot)" : ", streamed)");
                    ChangeEvent event = events.get(String.valueOf(id));
                    if (c.outcome().reason() != null) {
                        String reason = deadLetters.get("Struct{id=" + id + "}");
                        if (event != null
                                || reason == null
                                || !reason.contains(c.outcome().reason())) {
                            problems.add(what + ": expected a dead letter with '"
                                    + c.outcome().reason() + "', got event "
                                    + (event == null
                                            ? null
                                            : describe(event.after().get(c.column()))) + ", dead letter " + reason);
                        }
                        continue;
                    }
                    if (event == null) {
                        problems.add(what + ": no event; dead letter " + deadLetters.get("Struct{id=" + id + "}"));
                        continue;
                    }
                    String got = event.after().has(c.column())
                            ? describe(event.after().get(c.column()))
                            : "absent";
                    String expected = describe(c.outcome().value());
                    if (!got.equals(expected)) {
                        problems.add(what + ": expected " + expected + ", got " + got);
                    }
                    if (id >= STREAMED_IDS) {
                        JsonNode cached =
                                service.getJson("/cache/public.boundary/" + id).get("row");
                        JsonNode expectedJson = RowJson.toJson(c.outcome().value());
                        // as JSON text: the cache's parsed 2147483647 is an int node, RowJson's a long node
                        if (!java.util.Objects.equals(
                                String.valueOf(cached.get(c.column())), String.valueOf(expectedJson))) {
                            problems.add(
                                    what + ": the cache has " + cached.get(c.column()) + ", expected " + expectedJson);
                        }
                    }
                }
            }
            problems.forEach(p -> System.out.println("BOUNDARY PROBLEM " + p));
            assertThat(problems).isEmpty();

            // The cache loaded the snapshot rows with a plain query (JdbcValues), not through Debezium: every value
            // the stream renders exactly, the load renders alike.
            List<String> loadProblems = new ArrayList<>();
            for (int i = 0; i < CASES.size(); i++) {
                Case c = CASES.get(i);
                if (c.outcome().reason() != null) {
                    continue;
                }
                JsonNode loaded = service.getJson("/cache/public.boundary/" + (SNAPSHOT_IDS + i))
                        .get("row")
                        .get(c.column());
                if (!String.valueOf(loaded)
                        .equals(String.valueOf(RowJson.toJson(c.outcome().value())))) {
                    loadProblems.add(c.column() + " = " + c.literal() + " loaded by query as " + loaded + ", expected "
                            + RowJson.toJson(c.outcome().value()));
                }
            }
            loadProblems.forEach(p -> System.out.println("LOAD PROBLEM " + p));
            assertThat(loadProblems).isEmpty();

            // Nothing stopped: the change after them all reached every sink, and the service is ready.
            assertThat(events).containsKey(String.valueOf(LATER_ID));
            assertThat(service.getJson("/cache/public.boundary/" + LATER_ID)
                            .get("row")
                            .get("c_time")
                            .asText())
                    .isEqualTo("12:00:00");
            assertThat(service.get("/ready").statusCode()).isEqualTo(200);
        }
    }

    private static final int SNAPSHOT_IDS = 1;
    private static final int STREAMED_IDS = 10_001;
    private static final int LATER_ID = 99_999;

    private static void insertEveryCase(TestDatabase db, int firstId) {
        List<String> sql = new ArrayList<>();
        for (int i = 0; i < CASES.size(); i++) {
            Case c = CASES.get(i);
            sql.add("INSERT INTO boundary (id, " + c.column() + ") VALUES (" + (firstId + i) + ", " + c.literal()
                    + ")");
        }
        db.execute(sql.toArray(new String[0]));
    }

    /** The converter's dead letters by row key (Debezium's key Struct text). */
    private static Map<String, String> deadLetters(TestDatabase db) throws Exception {
        Map<String, String> letters = new LinkedHashMap<>();
        try (Connection c = db.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT row_key, reason FROM cdc_fanout.dead_letters WHERE sink = '(converter)'")) {
            while (rs.next()) {
                letters.put(rs.getString(1), rs.getString(2));
            }
        }
        return letters;
    }

    /** The value with its Java type, so that "1" and 1, or bytes and their text, differ. */
    private static String describe(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof byte[] b) {
            return "bytes " + HexFormat.of().formatHex(b);
        }
        if (v instanceof List<?> l) {
            return l.stream().map(ConverterBoundaryValuesIT::describe).toList().toString();
        }
        return v.getClass().getSimpleName() + " " + v;
    }
}
