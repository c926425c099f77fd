package io.cdcfanout.it.deadletters;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcfanout.it.harness.BackendsExtension;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.Row;
import io.cdcfanout.schema.ServiceTables;
import io.cdcfanout.service.pipeline.DeadLetter;
import io.cdcfanout.service.pipeline.DeadLetterPayload;
import io.cdcfanout.service.pipeline.DeadLetterStore;
import io.cdcfanout.sink.Secret;
import io.cdcfanout.sink.SourceDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The dead-letter table on a real Postgres: a letter the database refuses for its data is stored cut down
 * rather than failing the write (which the pipeline would retry forever), and the table of an older
 * release gains the new columns when the service starts.
 */
@ExtendWith(BackendsExtension.class)
class DeadLetterStoreIT {

    @Test
    void aLetterTheDatabaseRefusesIsStoredCutDownAndTheOthersWhole(TestDatabase db) throws Exception {
        db.execute(ServiceTables.ddl("cdc_fanout"));
        DeadLetter fine = letter(
                "1",
                "sink said no",
                DeadLetterPayload.of(Row.builder().put("id", 1L).build(), 1000));
        DeadLetter badJson = letter("2", "sink said no", new DeadLetterPayload("{not json", false, 9));
        DeadLetter nulInReason = letter(
                "3",
                "value was a\u0000b",
                DeadLetterPayload.of(Row.builder().put("id", 3L).build(), 1000));
        try (DeadLetterStore store = new DeadLetterStore(source(db), "cdc_fanout")) {
            store.write(List.of(fine, badJson, nulInReason));
            store.write(List.of(fine, badJson, nulInReason)); // a replay adds nothing
        }

        List<String> rows = new ArrayList<>();
        try (Connection c = db.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT row_key, reason, payload::text, payload_truncated, payload_size"
                        + " FROM cdc_fanout.dead_letters ORDER BY row_key")) {
            while (rs.next()) {
                rows.add(rs.getString(1) + " | " + rs.getString(2) + " | " + rs.getString(3) + " | " + rs.getBoolean(4)
                        + " | " + rs.getObject(5));
            }
        }
        rows.forEach(r -> System.out.println("DEAD LETTER " + r));
        assertThat(rows).hasSize(3);
        assertThat(rows.get(0)).isEqualTo("1 | sink said no | {\"id\": 1} | false | 8");
        assertThat(rows.get(1))
                .startsWith("2 | sink said no [stored without its payload: the database refused the letter: 22P02")
                .endsWith(" | null | true | 9");
        assertThat(rows.get(2))
                .startsWith("3 | value was a\\u0000b [stored without its payload: the database refused the letter: 22")
                .endsWith(" | null | true | 8");
    }

    @Test
    void anOlderDeadLetterTableGainsTheNewColumns(TestDatabase db) throws Exception {
        db.execute(
                "CREATE SCHEMA cdc_fanout",
                """
                CREATE TABLE cdc_fanout.dead_letters (
                    id bigserial PRIMARY KEY, sink text NOT NULL, table_name text NOT NULL, row_key text NOT NULL,
                    lsn pg_lsn NOT NULL, sequence bigint NOT NULL, tx_id bigint NOT NULL, operation text NOT NULL,
                    reason text NOT NULL, payload jsonb, created_at timestamptz NOT NULL DEFAULT now(),
                    UNIQUE (sink, table_name, row_key, lsn, sequence))""",
                "INSERT INTO cdc_fanout.dead_letters (sink, table_name, row_key, lsn, sequence, tx_id, operation, reason)"
                        + " VALUES ('search', 'public.t', '0', '0/1', 0, 0, 'INSERT', 'old letter')");
        db.execute(ServiceTables.ddl("cdc_fanout"));
        db.execute(ServiceTables.ddl("cdc_fanout")); // every start runs it

        try (DeadLetterStore store = new DeadLetterStore(source(db), "cdc_fanout")) {
            store.write(List.of(letter(
                    "1",
                    "sink said no",
                    DeadLetterPayload.of(Row.builder().put("id", 1L).build(), 1000))));
        }
        try (Connection c = db.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT row_key, payload_truncated, payload_size FROM cdc_fanout.dead_letters ORDER BY row_key")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("0");
            assertThat(rs.getBoolean(2)).isFalse();
            assertThat(rs.getObject(3)).isNull();
            assertThat(rs.next()).isTrue();
            assertThat(rs.getLong(3)).isEqualTo(8);
        }
    }

    private static DeadLetter letter(String key, String reason, DeadLetterPayload payload) {
        return new DeadLetter("history", "public.t", key, new Lsn(100), 1, 5, "INSERT", reason, payload);
    }

    private static SourceDatabase source(TestDatabase db) {
        return new SourceDatabase(
                db.jdbcUrl(), db.server().superuser(), Secret.of(db.server().password()), null);
    }
}
