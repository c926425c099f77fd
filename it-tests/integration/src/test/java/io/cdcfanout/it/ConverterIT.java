package io.cdcfanout.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cdcfanout.it.harness.Backends;
import io.cdcfanout.it.harness.BackendsExtension;
import io.cdcfanout.it.harness.OnEachPostgresVersion;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.it.support.RecordingSink;
import io.cdcfanout.it.support.RunningService;
import io.cdcfanout.schema.CanonicalValues;
import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.Operation;
import io.cdcfanout.schema.Row;
import io.cdcfanout.schema.RowJson;
import java.math.BigDecimal;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtendWith;

/** Every common Postgres type, through real logical decoding, into the documented Java value types, on each supported Postgres version. */
@ExtendWith(BackendsExtension.class)
class ConverterIT {

    private static final String COLUMNS = """
            id int PRIMARY KEY,
            c_smallint smallint, c_int int, c_bigint bigint,
            c_numeric numeric(30,10), c_numeric_free numeric, c_real real, c_double double precision,
            c_bool boolean, c_text text, c_varchar varchar(20), c_char char(5), c_uuid uuid,
            c_date date, c_time time, c_timestamp timestamp, c_timestamptz timestamptz,
            c_json json, c_jsonb jsonb, c_int_array int[], c_text_array text[], c_bytea bytea, c_enum mood,
            c_big text""";

    private static final String VALUES = """
            (%d, 32767, -2147483648, 9223372036854775807,
             12345678901234567890.1234567890, 3.141592653589793238462643383279, 1.1, 2.718281828459045,
             true, 'héllo 🌍', 'abc', 'ab', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
             '2024-02-29', '13:14:15.123456', '2024-02-29 13:14:15.5', '2024-02-29 13:14:15.123+02',
             '{"a": [1, 2.5, "x"], "b": null}', '{"a": [1, 2.5, "x"], "b": null}', '{1,2,3}', '{a,"b c"}', '\\xdeadbeef', 'happy',
             (SELECT string_agg(md5(g::text), '') FROM generate_series(1, 400) g))""";

    @OnEachPostgresVersion
    void everyTypeConvertsExactlyAndTheSameAsAPlainQuery(TestDatabase db) throws Exception {
        db.execute(
                "CREATE TYPE mood AS ENUM ('happy', 'sad')",
                "CREATE TABLE all_types (" + COLUMNS + ")",
                "INSERT INTO all_types " + "VALUES " + VALUES.formatted(1));
        String slot = Backends.uniqueName("types");
        String sinks = """
                  rec:
                    type: recording
                    id: %s
                    tables: [public.all_types]
                  cache:
                    type: caffeine
                    tables: [public.all_types]
                """.formatted(slot);
        try (RunningService service = RunningService.start(db, slot, "public.all_types", sinks)) {
            service.awaitReady();
            db.execute(
                    "INSERT INTO all_types VALUES " + VALUES.formatted(2),
                    "INSERT INTO all_types (id) VALUES (3)",
                    "UPDATE all_types SET c_int = 42 WHERE id = 2");
            service.awaitCaughtUp(db);

            List<ChangeEvent> events = RecordingSink.events(slot);
            Row snapshot = only(events, Operation.SNAPSHOT, "1").after();
            Row inserted = only(events, Operation.INSERT, "2").after();
            assertExpectedValues(inserted);
            assertExpectedValues(snapshot);

            // The cache loaded row 1 with a plain query; it must read exactly as the decoded one.
            ObjectNode cached =
                    (ObjectNode) service.getJson("/cache/public.all_types/1").get("row");
            ObjectNode decoded = RowJson.toJson(snapshot);
            assertThat(cached.remove("c_big").equals(decoded.remove("c_big")))
                    .as("c_big equal")
                    .isTrue();
            assertThat(cached).isEqualTo(RowJson.MAPPER.readTree(decoded.toString())); // both as parsed from text

            Row nulls = only(events, Operation.INSERT, "3").after();
            assertThat(nulls.values())
                    .containsEntry("c_text", null)
                    .containsEntry("c_jsonb", null)
                    .containsEntry("c_int_array", null);

            // An update that leaves the TOASTed column alone: unknown in the event, never a placeholder...
            Row updated = only(events, Operation.UPDATE, "2").after();
            assertThat(updated.unchangedToastColumns()).containsExactly("c_big");
            assertThat(updated.has("c_big")).isFalse();
            assertThat(updated.get("c_int")).isEqualTo(42L);
            // ...and the cache keeps the value it had.
            JsonNode cachedAfterUpdate =
                    service.getJson("/cache/public.all_types/2").get("row");
            assertThat(cachedAfterUpdate.get("c_int").asLong()).isEqualTo(42);
            assertThat(cachedAfterUpdate.get("c_big").asText().equals(inserted.get("c_big")))
                    .as("c_big carried forward")
                    .isTrue();
        }
    }

    private static void assertExpectedValues(Row row) {
        Map<String, Object> v = row.values();
        assertThat(v.get("c_smallint")).isEqualTo(32767L);
        assertThat(v.get("c_int")).isEqualTo(-2147483648L);
        assertThat(v.get("c_bigint")).isEqualTo(9223372036854775807L);
        assertThat(v.get("c_numeric")).isEqualTo(new BigDecimal("12345678901234567890.1234567890"));
        assertThat(v.get("c_numeric_free")).isEqualTo(new BigDecimal("3.141592653589793238462643383279"));
        assertThat(v.get("c_real")).isEqualTo(1.1d);
        assertThat(v.get("c_double")).isEqualTo(2.718281828459045d);
        assertThat(v.get("c_bool")).isEqualTo(true);
        assertThat(v.get("c_text")).isEqualTo("héllo 🌍");
        assertThat(v.get("c_varchar")).isEqualTo("abc");
        assertThat(v.get("c_char")).isEqualTo("ab   ");
        assertThat(v.get("c_uuid")).isEqualTo("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
        assertThat(v.get("c_date")).isEqualTo("2024-02-29");
        assertThat(v.get("c_time")).isEqualTo("13:14:15.123456");
        assertThat(v.get("c_timestamp")).isEqualTo("2024-02-29T13:14:15.5");
        assertThat(v.get("c_timestamptz")).isEqualTo("2024-02-29T11:14:15.123Z");
        assertThat(v.get("c_json")).isEqualTo(CanonicalValues.json("{\"a\": [1, 2.5, \"x\"], \"b\": null}"));
        assertThat(v.get("c_jsonb")).isEqualTo(CanonicalValues.json("{\"a\": [1, 2.5, \"x\"], \"b\": null}"));
        assertThat(v.get("c_int_array")).isEqualTo(List.of(1L, 2L, 3L));
        assertThat(v.get("c_text_array")).isEqualTo(List.of("a", "b c"));
        assertThat((byte[]) v.get("c_bytea")).isEqualTo(HexFormat.of().parseHex("deadbeef"));
        assertThat(v.get("c_enum")).isEqualTo("happy");
        assertThat((String) v.get("c_big")).hasSize(400 * 32);
    }

    private static ChangeEvent only(List<ChangeEvent> events, Operation op, String key) {
        List<ChangeEvent> matching = events.stream()
                .filter(e -> e.op() == op && e.key().asText().equals(key))
                .toList();
        assertThat(matching).as(op + " of key " + key).hasSize(1);
        return matching.get(0);
    }
}
