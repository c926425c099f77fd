package io.cdcfanout.it.history;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcfanout.it.harness.Backends;
import io.cdcfanout.it.harness.BackendsExtension;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.it.support.RunningService;
import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.Operation;
import io.cdcfanout.schema.Row;
import io.cdcfanout.schema.RowKey;
import io.cdcfanout.schema.SourcePosition;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.ChangeBatch;
import io.cdcfanout.sink.HistoryReader;
import io.cdcfanout.sink.HistoryVersion;
import io.cdcfanout.sink.Secret;
import io.cdcfanout.sink.Sink;
import io.cdcfanout.sink.SinkContext;
import io.cdcfanout.sink.SinkRegistry;
import io.cdcfanout.sink.SourceDatabase;
import io.cdcfanout.sink.history.Scd2SinkConfig;
import io.cdcfanout.sink.history.Scd2SinkConfig.TableMapping;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * History's edge versions against a real Postgres: a transaction split across batches that inserts rows
 * and then truncates their table (the TRUNCATE's SQL sweep must follow the same-transaction rule and leave
 * no zero-length version), and the deletion of a row history never saw, whose before image under the
 * default replica identity holds only the key (Debezium fills the other NOT NULL columns with defaults).
 */
@ExtendWith(BackendsExtension.class)
class HistoryEdgeVersionsIT {

    private static final TableId TAX_RATES = TableId.parse("public.tax_rates");
    private static final Instant T0 = Instant.parse("2024-01-01T00:00:00Z");

    private final List<Sink> sinks = new ArrayList<>();
    private long lsn = 0x1_0000_0000L;

    @AfterEach
    void closeSinks() {
        sinks.forEach(Sink::close);
    }

    @Test
    void aTransactionThatInsertsAndThenTruncatesAcrossBatchesLeavesOnlyDeletionVersions(TestDatabase db)
            throws Exception {
        db.execute("CREATE TABLE tax_rates (region text PRIMARY KEY, rate numeric NOT NULL)");
        Sink sink = startedSink(db);
        HistoryReader reader = (HistoryReader) sink;
        apply(sink, tax(Operation.INSERT, "DE", "0.16", day(1), 10));

        // Transaction 20, committed on day 2: updates DE, inserts FR, then truncates; split after the writes.
        apply(sink, tax(Operation.UPDATE, "DE", "0.19", day(2), 20), tax(Operation.INSERT, "FR", "0.20", day(2), 20));
        ChangeBatch truncate =
                batch(new ChangeEvent(TAX_RATES, Operation.TRUNCATE, null, null, null, next(day(2), 20)));
        assertThat(sink.apply(truncate).rejections()).isEmpty();
        String once = dump(db);
        assertThat(sink.apply(truncate).rejections()).isEmpty();
        assertThat(dump(db)).as("the truncate replayed").isEqualTo(once);

        // DE: its version from day 1, then deleted on day 2 (0.19 was never visible; as in one batch, the deletion
        // version keeps the transaction's last image).
        assertThat(reader.versions(TAX_RATES, Map.of("region", "DE")))
                .extracting(
                        v -> v.data().get("rate").decimalValue().toPlainString(),
                        HistoryVersion::validFrom,
                        HistoryVersion::validTo,
                        HistoryVersion::deleted)
                .containsExactly(Tuple.tuple("0.16", day(1), day(2), false), Tuple.tuple("0.19", day(2), null, true));
        // FR: inserted and truncated in one transaction: one deletion version, as when it all comes in one batch.
        assertThat(reader.versions(TAX_RATES, Map.of("region", "FR")))
                .extracting(HistoryVersion::validFrom, HistoryVersion::validTo, HistoryVersion::deleted)
                .containsExactly(Tuple.tuple(day(2), null, true));
        assertThat(query(db, "SELECT count(*) FROM history.tax_rates WHERE valid_to = valid_from"))
                .as("zero-length versions")
                .containsExactly(List.of("0"));

        // Later changes still build on it: FR re-inserted on day 3.
        apply(sink, tax(Operation.INSERT, "FR", "0.21", day(3), 30));
        assertThat(reader.asOf(TAX_RATES, Map.of("region", "FR"), day(3)))
                .hasValueSatisfying(
                        v -> assertThat(v.data().get("rate").decimalValue()).isEqualByComparingTo("0.21"));
    }

    @Test
    void theDeletionOfARowHistoryNeverSawStoresOnlyItsKey(TestDatabase db) throws Exception {
        db.execute(
                "CREATE TABLE tax_rates (region text PRIMARY KEY, rate numeric NOT NULL, name text NOT NULL, note text,"
                        + " since date NOT NULL)",
                "INSERT INTO tax_rates VALUES ('DE', 0.19, 'Germany', 'standard rate', '2007-01-01'),"
                        + " ('FR', 0.20, 'France', NULL, '2014-01-01')");
        String slot = Backends.uniqueName("unseen");
        String yaml = RunningService.configYaml(db, slot, "public.tax_rates", """
                  history:
                    type: scd2
                    tables: { public.tax_rates: { history-table: history.tax_rates } }
                """)
                .replace("  slot: ", "  snapshot: never\n  slot: ");
        try (RunningService service = RunningService.start(yaml)) {
            service.awaitReady();
            service.awaitCaughtUp(db);
            // Default replica identity: the WAL holds only the key of the deleted row.
            db.execute(
                    "DELETE FROM tax_rates WHERE region = 'DE'",
                    "UPDATE tax_rates SET rate = 0.21 WHERE region = 'FR'");
            service.awaitCaughtUp(db);

            assertThat(
                            query(
                                    db,
                                    "SELECT region, deleted::text, data::text FROM history.tax_rates ORDER BY region, valid_from"))
                    .containsExactly(
                            List.of("DE", "true", "{\"region\": \"DE\"}"),
                            List.of(
                                    "FR",
                                    "false",
                                    "{\"name\": \"France\", \"note\": null, \"rate\": 0.21, \"since\": \"2014-01-01\", \"region\": \"FR\"}"));
        }
    }

    // ---------------------------------------------------------------- helpers

    private Sink startedSink(TestDatabase db) throws Exception {
        SourceDatabase database = new SourceDatabase(
                db.jdbcUrl(), db.server().superuser(), Secret.of(db.server().password()), null);
        Scd2SinkConfig config = new Scd2SinkConfig(
                null, null, null, Map.of(TAX_RATES, new TableMapping(TableId.parse("history.tax_rates"))));
        Sink sink = SinkRegistry.load()
                .create(
                        "scd2",
                        "history",
                        config,
                        new SinkContext(database, new SimpleMeterRegistry(), Clock.systemUTC()));
        sinks.add(sink);
        sink.start();
        return sink;
    }

    private static Instant day(int n) {
        return T0.plusSeconds(86_400L * n);
    }

    private SourcePosition next(Instant commit, long txId) {
        lsn += 0x100;
        return new SourcePosition(new Lsn(lsn), txId, commit, 1);
    }

    private ChangeEvent tax(Operation op, String region, String rate, Instant commit, long txId) {
        Row row = Row.builder()
                .put("region", region)
                .put("rate", new BigDecimal(rate))
                .build();
        return new ChangeEvent(TAX_RATES, op, RowKey.of(List.of("region"), row), null, row, next(commit, txId));
    }

    private static ChangeBatch batch(ChangeEvent... events) {
        return new ChangeBatch(List.of(events), events[events.length - 1].lsn());
    }

    private static void apply(Sink sink, ChangeEvent... events) throws Exception {
        assertThat(sink.apply(batch(events)).rejections()).isEmpty();
    }

    private static String dump(TestDatabase db) throws SQLException {
        return query(db, "SELECT h::text FROM history.tax_rates h ORDER BY 1").toString();
    }

    private static List<List<String>> query(TestDatabase db, String sql) {
        return db.rows(sql);
    }
}
