package io.cdcfanout.it.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdcfanout.it.harness.BackendsExtension;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.it.support.ReadmeSql;
import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.Operation;
import io.cdcfanout.schema.Row;
import io.cdcfanout.schema.RowKey;
import io.cdcfanout.schema.SourcePosition;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.ApplyResult;
import io.cdcfanout.sink.ChangeBatch;
import io.cdcfanout.sink.HistoryReader;
import io.cdcfanout.sink.HistoryVersion;
import io.cdcfanout.sink.RetryableSinkException;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The scd2 history sink against a real Postgres. Change events are built by hand (commit times chosen
 * by the test); the source tables exist in the test database so the sink can look up the key types.
 */
@ExtendWith(BackendsExtension.class)
class HistorySinkIT {

    /** The README's example: the tax rate valid when each order was placed. */
    static final String TAX_AT_ORDER_TIME = ReadmeSql.taxAtOrderTime();

    private static final TableId TAX_RATES = TableId.parse("public.tax_rates");
    private static final Instant T0 = Instant.parse("2024-01-01T00:00:00Z");

    private final List<Sink> sinks = new ArrayList<>();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private long lsn = 0x1_0000_0000L;
    private long tx = 1000;

    @AfterEach
    void closeSinks() {
        sinks.forEach(Sink::close);
    }

    // ---------------------------------------------------------------- the tax-rate story

    @Test
    void taxRateStory_ordersJoinTheRateValidWhenTheyWerePlaced(TestDatabase db) throws Exception {
        db.execute(
                "CREATE TABLE tax_rates (region text PRIMARY KEY, rate numeric NOT NULL)",
                "CREATE TABLE orders (id int PRIMARY KEY, region text NOT NULL, placed_at timestamptz NOT NULL, amount numeric NOT NULL)");
        Sink sink = startedSink(db, Map.of(TAX_RATES, "history.tax_rates"));

        // Snapshot on Jan 1, then rate changes over the year; one region introduced and abolished.
        apply(sink, tax(Operation.SNAPSHOT, "DE", "0.16", day(0)), tax(Operation.SNAPSHOT, "FR", "0.20", day(0)));
        apply(sink, tax(Operation.UPDATE, "DE", "0.19", day(31)));
        apply(sink, tax(Operation.INSERT, "IT", "0.22", day(40)), tax(Operation.UPDATE, "FR", "0.21", day(60)));
        apply(sink, deleteTax("IT", day(90)));
        db.execute("INSERT INTO tax_rates VALUES ('DE', 0.19), ('FR', 0.21)");

        db.execute("""
                INSERT INTO orders VALUES
                  (1, 'DE', '2024-01-15T12:00:00Z', 100),
                  (2, 'DE', '2024-02-01T00:00:00Z', 100),
                  (3, 'FR', '2024-02-15T00:00:00Z', 200),
                  (4, 'FR', '2024-03-15T00:00:00Z', 200),
                  (5, 'IT', '2024-03-01T00:00:00Z', 50),
                  (6, 'IT', '2024-06-01T00:00:00Z', 50),
                  (7, 'DE', '2023-12-31T00:00:00Z', 10)
                """);

        List<List<String>> rows = query(db, TAX_AT_ORDER_TIME);
        assertThat(rows)
                .containsExactly(
                        List.of("1", "DE", "100", "0.16", "16.00"),
                        List.of(
                                "2", "DE", "100", "0.19",
                                "19.00"), // the change took effect at exactly 2024-02-01T00:00Z
                        List.of("3", "FR", "200", "0.20", "40.00"),
                        List.of("4", "FR", "200", "0.21", "42.00"),
                        List.of("5", "IT", "50", "0.22", "11.00"),
                        row("6", "IT", "50", null, null), // IT abolished on day 90
                        row("7", "DE", "10", null, null)); // before history began

        assertContiguous(db, "history.tax_rates", "region");
        assertNewestVersionsEqualTheSourceTable(db);

        HistoryReader reader = (HistoryReader) sink;
        assertThat(reader.serves(TAX_RATES)).isTrue();
        assertThat(reader.keyColumns(TAX_RATES)).containsExactly("region");
        assertThat(reader.asOf(TAX_RATES, Map.of("region", "DE"), day(31).minusNanos(1000)))
                .hasValueSatisfying(
                        v -> assertThat(v.data().get("rate").decimalValue()).isEqualByComparingTo("0.16"));
        assertThat(reader.asOf(TAX_RATES, Map.of("region", "DE"), day(31)))
                .hasValueSatisfying(
                        v -> assertThat(v.data().get("rate").decimalValue()).isEqualByComparingTo("0.19"));
        assertThat(reader.asOf(TAX_RATES, Map.of("region", "IT"), day(100))).isEmpty();
        assertThat(reader.asOf(TAX_RATES, Map.of("region", "XX"), day(100))).isEmpty();
        assertThat(reader.versions(TAX_RATES, Map.of("region", "IT")))
                .extracting(HistoryVersion::validFrom, HistoryVersion::validTo, HistoryVersion::deleted)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(day(40), day(90), false),
                        org.assertj.core.groups.Tuple.tuple(day(90), null, true));
        assertThat(counter("cdc.sink.history.versions.opened"))
                .as("2 snapshot rows, 3 changes, 1 deletion")
                .isEqualTo(6);
        assertThat(counter("cdc.sink.history.versions.closed")).isEqualTo(3);
        assertThat(meters.get("cdc.sink.history.batch.latency")
                        .tag("sink", "history")
                        .timer()
                        .count())
                .isEqualTo(4);
    }

    @Test
    void historyTableRepeatsTheSourceKeyTypesAndIsCreatedIdempotently(TestDatabase db) throws Exception {
        db.execute(
                "CREATE TABLE prices (sku varchar(20), store numeric(6,0), price numeric, PRIMARY KEY (store, sku))");
        TableId prices = TableId.parse("public.prices");
        startedSink(db, Map.of(prices, "history.prices"));
        startedSink(db, Map.of(prices, "history.prices")); // a second start finds everything in place

        assertThat(query(db, """
                SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull::text FROM pg_attribute a
                WHERE a.attrelid = 'history.prices'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum"""))
                .containsExactly(
                        List.of("store", "numeric(6,0)", "true"), // key columns in primary-key order
                        List.of("sku", "character varying(20)", "true"),
                        List.of("valid_from", "timestamp with time zone", "true"),
                        List.of("valid_to", "timestamp with time zone", "false"),
                        List.of("deleted", "boolean", "true"),
                        List.of("lsn", "pg_lsn", "true"),
                        List.of("tx_id", "bigint", "true"),
                        List.of("data", "jsonb", "false"));
        assertThat(
                        query(
                                db,
                                "SELECT indexdef FROM pg_indexes WHERE schemaname = 'history' AND tablename = 'prices' ORDER BY indexname"))
                .extracting(r -> r.get(0))
                .anySatisfy(d -> assertThat(d).contains("UNIQUE").contains("(store, sku, lsn)"))
                .anySatisfy(d -> assertThat(d).contains("(store, sku, valid_from)"))
                .anySatisfy(d -> assertThat(d).contains("UNIQUE").contains("WHERE (valid_to IS NULL)"));
    }

    // ---------------------------------------------------------------- versions semantics

    @Test
    void deleteAndReInsertCyclesKeepVersionsContiguous(TestDatabase db) throws Exception {
        db.execute("CREATE TABLE tax_rates (region text PRIMARY KEY, rate numeric NOT NULL)");
        Sink sink = startedSink(db, Map.of(TAX_RATES, "history.tax_rates"));
        HistoryReader reader = (HistoryReader) sink;

        apply(sink, tax(Operation.INSERT, "DE", "0.16", day(1)));
        apply(sink, deleteTax("DE", day(2)));
        apply(sink, tax(Operation.INSERT, "DE", "0.17", day(3)), deleteTax("DE", day(4)));
        apply(sink, tax(Operation.INSERT, "DE", "0.18", day(5)));

        assertThat(reader.versions(TAX_RATES, Map.of("region", "DE")))
                .extracting(HistoryVersion::validFrom, HistoryVersion::validTo, HistoryVersion::deleted)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(day(1), day(2), false),
                        org.assertj.core.groups.Tuple.tuple(day(2), day(3), true),
                        org.assertj.core.groups.Tuple.tuple(day(3), day(4), false),
                        org.assertj.core.groups.Tuple.tuple(day(4), day(5), true),
                        org.assertj.core.groups.Tuple.tuple(day(5), null, false));
        assertContiguous(db, "history.tax_rates", "region");
        assertThat(reader.asOf(TAX_RATES, Map.of("region", "DE"), day(2).plusSeconds(5)))
                .isEmpty();
        assertThat(reader.asOf(TAX_RATES, Map.of("region", "DE"), day(3).plusSeconds(5)))
                .hasValueSatisfying(
                        v -> assertThat(v.data().get("rate").decimalValue()).isEqualByComparingTo("0.17"));
        assertThat(reader.versions(TAX_RATES, Map.of("region", "DE"))
                        .get(1)
                        .data()
                        .get("rate")
                        .decimalValue())
                .as("a deletion version keeps the last known image")
                .isEqualByComparingTo("0.16");
    }

    @Test
    void severalChangesOfOneRowInOneTransactionLeaveOnlyTheCommittedState(TestDatabase db) throws Exception {
        db.execute("CREATE TABLE tax_rates (region text PRIMARY KEY, rate numeric NOT NULL)");
        Sink sink = startedSink(db, Map.of(TAX_RATES, "history.tax_rates"));
        HistoryReader reader = (HistoryReader) sink;
        apply(sink, tax(Operation.INSERT, "DE", "0.16", day(1)));

        long txId = ++tx;
        apply(
                sink,
                event(Operation.UPDATE, "DE", "0.17", day(2), txId),
                event(Operation.UPDATE, "DE", "0.18", day(2), txId));
        // the same transaction continues in the next batch
        apply(sink, event(Operation.UPDATE, "DE", "0.19", day(2), txId));

        assertThat(reader.versions(TAX_RATES, Map.of("region", "DE")))
                .extracting(
                        v -> v.data().get("rate").decimalValue().toPlainString(),
                        HistoryVersion::validFrom,
                        HistoryVersion::validTo)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("0.16", day(1), day(2)),
                        org.assertj.core.groups.Tuple.tuple("0.19", day(2), null));
    }

    @Test
    void snapshotAgainWithSameDataAddsNoVersion(TestDatabase db) throws Exception {
        db.execute("CREATE TABLE tax_rates (region text PRIMARY KEY, rate numeric NOT NULL)");
        Sink sink = startedSink(db, Map.of(TAX_RATES, "history.tax_rates"));
        apply(sink, tax(Operation.SNAPSHOT, "DE", "0.16", day(0)), tax(Operation.SNAPSHOT, "FR", "0.20", day(0)));

        apply(sink, tax(Operation.SNAPSHOT, "DE", "0.16", day(10)), tax(Operation.SNAPSHOT, "FR", "0.21", day(10)));

        assertThat(
                        query(
                                db,
                                "SELECT region, valid_from::text, (valid_to IS NULL)::text FROM history.tax_rates ORDER BY region, valid_from"))
                .containsExactly(
                        List.of("DE", "2024-01-01 00:00:00+00", "true"),
                        List.of("FR", "2024-01-01 00:00:00+00", "false"),
                        List.of("FR", "2024-01-11 00:00:00+00", "true"));
    }

    @Test
    void truncateClosesEveryCurrentVersionOfTheTable(TestDatabase db) throws Exception {
        db.execute("CREATE TABLE tax_rates (region text PRIMARY KEY, rate numeric NOT NULL)");
        Sink sink = startedSink(db, Map.of(TAX_RATES, "history.tax_rates"));
        HistoryReader reader = (HistoryReader) sink;
        apply(
                sink,
                tax(Operation.INSERT, "DE", "0.16", day(1)),
                tax(Operation.INSERT, "FR", "0.20", day(1)),
                tax(Operation.INSERT, "IT", "0.22", day(1)));
        apply(sink, deleteTax("IT", day(2)));

        ChangeBatch truncateBatch = batch(
                tax(Operation.UPDATE, "FR", "0.21", day(3)),
                truncate(day(4)),
                tax(Operation.INSERT, "ES", "0.10", day(5)));
        sink.apply(truncateBatch);
        String before = dump(db, "history.tax_rates");
        sink.apply(truncateBatch);

        assertThat(dump(db, "history.tax_rates")).as("replayed truncate").isEqualTo(before);
        for (String region : List.of("DE", "FR", "IT")) {
            assertThat(reader.asOf(TAX_RATES, Map.of("region", region), day(4)))
                    .as(region)
                    .isEmpty();
            List<HistoryVersion> versions = reader.versions(TAX_RATES, Map.of("region", region));
            assertThat(versions.get(versions.size() - 1).deleted()).as(region).isTrue();
        }
        assertThat(reader.versions(TAX_RATES, Map.of("region", "DE")).get(1).validFrom())
                .isEqualTo(day(4));
        assertThat(reader.versions(TAX_RATES, Map.of("region", "IT")))
                .as("already deleted: nothing new")
                .hasSize(2);
        assertThat(reader.asOf(TAX_RATES, Map.of("region", "ES"), day(5))).isPresent();
        assertContiguous(db, "history.tax_rates", "region");
    }

    // ---------------------------------------------------------------- idempotency

    @Test
    void theSameBatchTwiceChangesNothing(TestDatabase db) throws Exception {
        db.execute("CREATE TABLE tax_rates (region text PRIMARY KEY, rate numeric NOT NULL)");
        Sink sink = startedSink(db, Map.of(TAX_RATES, "history.tax_rates"));
        apply(sink, tax(Operation.INSERT, "DE", "0.16", day(1)));
        ChangeBatch batch = batch(
                tax(Operation.UPDATE, "DE", "0.17", day(2)),
                tax(Operation.INSERT, "FR", "0.20", day(2)),
                tax(Operation.UPDATE, "DE", "0.18", day(3)),
                deleteTax("FR", day(4)));

        assertThat(sink.apply(batch).rejections()).isEmpty();
        String once = dump(db, "history.tax_rates");
        assertThat(sink.apply(batch).rejections()).isEmpty();

        assertThat(dump(db, "history.tax_rates")).isEqualTo(once);
        assertThat(query(db, "SELECT count(*) FROM history.tax_rates")).containsExactly(List.of("5"));
    }

    @Test
    void anOlderBatchAfterANewerOneChangesNothing(TestDatabase db) throws Exception {
        db.execute("CREATE TABLE tax_rates (region text PRIMARY KEY, rate numeric NOT NULL)");
        Sink sink = startedSink(db, Map.of(TAX_RATES, "history.tax_rates"));
        ChangeBatch older =
                batch(tax(Operation.INSERT, "DE", "0.16", day(1)), tax(Operation.INSERT, "FR", "0.20", day(1)));
        ChangeBatch newer = batch(tax(Operation.UPDATE, "DE", "0.19", day(2)), deleteTax("FR", day(2)));
        sink.apply(older);
        sink.apply(newer);
        String after = dump(db, "history.tax_rates");

        sink.apply(older);

        assertThat(dump(db, "history.tax_rates")).isEqualTo(after);
        assertContiguous(db, "history.tax_rates", "region");
    }

    @Test
    void aLargeBatchOfManyKeysAndChangesIsAppliedWholeAndReplayedHarmlessly(TestDatabase db) throws Exception {
        db.execute("CREATE TABLE tax_rates (region text PRIMARY KEY, rate numeric NOT NULL)");
        Sink sink = startedSink(db, Map.of(TAX_RATES, "history.tax_rates"));
        List<ChangeEvent> events = new ArrayList<>();
        for (int round = 0; round < 5; round++) {
            for (int key = 0; key < 2_000; key++) {
                Operation op = round == 0 ? Operation.INSERT : Operation.UPDATE;
                events.add(tax(op, "R" + key, "0." + round + key, day(1).plusSeconds(60L * round)));
            }
        }
        ChangeBatch big = new ChangeBatch(events, events.get(events.size() - 1).lsn());

        assertThat(sink.apply(big).rejections()).isEmpty();
        String once = dump(db, "history.tax_rates");
        assertThat(sink.apply(big).rejections()).isEmpty();

        assertThat(dump(db, "history.tax_rates")).isEqualTo(once);
        assertThat(query(db, "SELECT count(*), count(*) FILTER (WHERE valid_to IS NULL) FROM history.tax_rates"))
                .containsExactly(List.of("10000", "2000"));
        assertThat(query(db, "SELECT data->>'rate' FROM history.tax_rates WHERE region = 'R1999' AND valid_to IS NULL"))
                .containsExactly(List.of("0.41999"));
        assertContiguous(db, "history.tax_rates", "region");
    }

    // ---------------------------------------------------------------- row content

    @Test
    void unchangedToastColumnsAreCarriedForward(TestDatabase db) throws Exception {
        db.execute("CREATE TABLE products (id bigint PRIMARY KEY, name text, description text)");
        TableId products = TableId.parse("public.products");
        Sink sink = startedSink(db, Map.of(products, "history.products"));
        String longText = "x".repeat(10_000);
        Row first = Row.builder()
                .put("id", 1L)
                .put("name", "lamp")
                .put("description", longText)
                .build();
        Row renamed = Row.builder()
                .put("id", 1L)
                .put("name", "desk lamp")
                .unchangedToast("description")
                .build();
        apply(sink, change(products, Operation.INSERT, first, day(1)));

        apply(sink, change(products, Operation.UPDATE, renamed, day(2)));

        List<HistoryVersion> versions = ((HistoryReader) sink).versions(products, Map.of("id", "1"));
        assertThat(versions).hasSize(2);
        assertThat(versions.get(1).data().get("name").asText()).isEqualTo("desk lamp");
        assertThat(versions.get(1).data().get("description").asText()).isEqualTo(longText);
    }

    @Test
    void aColumnAddedMidStreamIsCarriedByTheNewVersions(TestDatabase db) throws Exception {
        db.execute("CREATE TABLE tax_rates (region text PRIMARY KEY, rate numeric NOT NULL)");
        Sink sink = startedSink(db, Map.of(TAX_RATES, "history.tax_rates"));
        apply(sink, tax(Operation.INSERT, "DE", "0.16", day(1)));

        db.execute("ALTER TABLE tax_rates ADD COLUMN reduced_rate numeric");
        Row withNewColumn = Row.builder()
                .put("region", "DE")
                .put("rate", new BigDecimal("0.19"))
                .put("reduced_rate", new BigDecimal("0.07"))
                .build();
        apply(sink, change(TAX_RATES, Operation.UPDATE, withNewColumn, day(2)));

        List<HistoryVersion> versions = ((HistoryReader) sink).versions(TAX_RATES, Map.of("region", "DE"));
        assertThat(versions.get(0).data().has("reduced_rate")).isFalse();
        assertThat(versions.get(1).data().get("reduced_rate").decimalValue()).isEqualByComparingTo("0.07");
    }

    @Test
    void compositeKeysAreReadWithOneQueryParameterPerColumn(TestDatabase db) throws Exception {
        db.execute("CREATE TABLE order_lines (order_id bigint, line int, qty int, PRIMARY KEY (order_id, line))");
        TableId lines = TableId.parse("public.order_lines");
        Sink sink = startedSink(db, Map.of(lines, "history.order_lines"));
        apply(
                sink,
                change(lines, Operation.INSERT, line(7, 1, 2), day(1)),
                change(lines, Operation.INSERT, line(7, 2, 5), day(1)),
                change(lines, Operation.INSERT, line(8, 1, 1), day(1)));
        apply(sink, change(lines, Operation.UPDATE, line(7, 2, 6), day(2)));
        apply(sink, deleteRow(lines, line(7, 1, 2), day(3)));

        HistoryReader reader = (HistoryReader) sink;
        assertThat(reader.keyColumns(lines)).containsExactly("order_id", "line");
        assertThat(reader.asOf(lines, Map.of("order_id", "7", "line", "2"), day(1).plusSeconds(1)))
                .hasValueSatisfying(v -> assertThat(v.data().get("qty").asInt()).isEqualTo(5));
        assertThat(reader.asOf(lines, Map.of("order_id", "7", "line", "2"), day(2)))
                .hasValueSatisfying(v -> assertThat(v.data().get("qty").asInt()).isEqualTo(6));
        assertThat(reader.asOf(lines, Map.of("order_id", "7", "line", "1"), day(3)))
                .isEmpty();
        assertThat(reader.versions(lines, Map.of("order_id", "8", "line", "1"))).hasSize(1);
        assertThatThrownBy(() -> reader.versions(lines, Map.of("order_id", "7")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[line]");
        assertThatThrownBy(() -> reader.versions(lines, Map.of("order_id", "seven", "line", "1")))
                .isInstanceOf(IllegalArgumentException.class);
        assertContiguous(db, "history.order_lines", "order_id, line");
    }

    // ---------------------------------------------------------------- where and failures

    @Test
    void historyInAnotherDatabaseTakesTheKeyTypesFromTheSource(TestDatabase source, TestDatabase warehouse)
            throws Exception {
        source.execute("CREATE TABLE tax_rates (region varchar(8) PRIMARY KEY, rate numeric NOT NULL)");
        Scd2SinkConfig config = new Scd2SinkConfig(
                warehouse.jdbcUrl(),
                warehouse.server().superuser(),
                Secret.of(warehouse.server().password()),
                Map.of(TAX_RATES, new TableMapping(TableId.parse("history.tax_rates"))));
        Sink sink = start(source, config);

        apply(sink, tax(Operation.INSERT, "DE", "0.16", day(1)));

        assertThat(
                        query(
                                warehouse,
                                "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'history.tax_rates'::regclass AND attname = 'region'"))
                .containsExactly(List.of("character varying(8)"));
        assertThat(query(warehouse, "SELECT count(*) FROM history.tax_rates")).containsExactly(List.of("1"));
        assertThat(query(source, "SELECT to_regclass('history.tax_rates') IS NULL"))
                .containsExactly(List.of("t"));
    }

    @Test
    void aTerminatedConnectionIsRetryableAndTheNextApplyReconnects(TestDatabase db) throws Exception {
        db.execute("CREATE TABLE tax_rates (region text PRIMARY KEY, rate numeric NOT NULL)");
        Sink sink = startedSink(db, Map.of(TAX_RATES, "history.tax_rates"));
        apply(sink, tax(Operation.INSERT, "DE", "0.16", day(1)));
        ChangeBatch next = batch(tax(Operation.UPDATE, "DE", "0.19", day(2)));

        db.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'cdc-fanout-history'");

        assertThatThrownBy(() -> sink.apply(next)).isInstanceOf(RetryableSinkException.class);
        assertThat(sink.apply(next).rejections()).isEmpty();
        assertThat(((HistoryReader) sink).versions(TAX_RATES, Map.of("region", "DE")))
                .hasSize(2);
    }

    @Test
    void aKeyTheDatabaseRefusesIsRejectedAndTheRestOfTheBatchApplied(TestDatabase db) throws Exception {
        db.execute("CREATE TABLE tax_rates (region text PRIMARY KEY, rate numeric NOT NULL)");
        Sink sink = startedSink(db, Map.of(TAX_RATES, "history.tax_rates"));
        // Random text does not compress: too large for a btree index entry (SQLSTATE 54000).
        StringBuilder huge = new StringBuilder();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < 12_000; i++) {
            huge.append((char) ('a' + random.nextInt(26)));
        }
        ChangeEvent refused = tax(Operation.INSERT, huge.toString(), "0.5", day(1));

        ApplyResult result = sink.apply(batch(
                tax(Operation.INSERT, "DE", "0.16", day(1)), refused, tax(Operation.INSERT, "FR", "0.20", day(1))));

        assertThat(result.rejections()).singleElement().satisfies(r -> {
            assertThat(r.event()).isEqualTo(refused);
            assertThat(r.reason()).contains("history.tax_rates");
        });
        assertThat(query(db, "SELECT region FROM history.tax_rates ORDER BY region"))
                .containsExactly(List.of("DE"), List.of("FR"));
    }

    @Test
    void aSourceTableWithoutPrimaryKeyFailsStartWithWhatToDo(TestDatabase db) {
        db.execute("CREATE TABLE audit_log (at timestamptz, message text)");
        Scd2SinkConfig config = new Scd2SinkConfig(
                null,
                null,
                null,
                Map.of(TableId.parse("public.audit_log"), new TableMapping(TableId.parse("history.audit_log"))));

        assertThatThrownBy(() -> start(db, config)).hasMessageContaining("has no primary key");
    }

    @Test
    void anExistingHistoryTableWithAnotherKeyFailsStartWithWhatToDo(TestDatabase db) {
        db.execute(
                "CREATE TABLE tax_rates (region text PRIMARY KEY, rate numeric NOT NULL)",
                "CREATE SCHEMA history",
                "CREATE TABLE history.tax_rates (region_code int NOT NULL, valid_from timestamptz NOT NULL, valid_to timestamptz,"
                        + " deleted boolean NOT NULL, lsn pg_lsn NOT NULL, tx_id bigint NOT NULL, data jsonb)");

        assertThatThrownBy(() -> startedSink(db, Map.of(TAX_RATES, "history.tax_rates")))
                .hasMessageContaining("does not fit source table public.tax_rates")
                .hasMessageContaining("key column region is missing");
    }

    // ---------------------------------------------------------------- helpers

    private Sink startedSink(TestDatabase db, Map<TableId, String> tables) throws Exception {
        Map<TableId, TableMapping> mappings = new LinkedHashMap<>();
        tables.forEach((source, history) -> mappings.put(source, new TableMapping(TableId.parse(history))));
        return start(db, new Scd2SinkConfig(null, null, null, mappings));
    }

    private Sink start(TestDatabase source, Scd2SinkConfig config) throws RetryableSinkException {
        SourceDatabase database = new SourceDatabase(
                source.jdbcUrl(),
                source.server().superuser(),
                Secret.of(source.server().password()),
                null);
        Sink sink = SinkRegistry.load()
                .create("scd2", "history", config, new SinkContext(database, meters, Clock.systemUTC()));
        sinks.add(sink);
        sink.start();
        return sink;
    }

    private static Instant day(int n) {
        return T0.plusSeconds(86_400L * n);
    }

    private ChangeBatch batch(ChangeEvent... events) {
        return new ChangeBatch(List.of(events), events[events.length - 1].lsn());
    }

    private void apply(Sink sink, ChangeEvent... events) throws RetryableSinkException {
        assertThat(sink.apply(batch(events)).rejections()).isEmpty();
    }

    private SourcePosition nextPosition(Instant commit, long txId) {
        lsn += 0x100;
        return new SourcePosition(new Lsn(lsn), txId, commit, 1);
    }

    private ChangeEvent tax(Operation op, String region, String rate, Instant commit) {
        return event(op, region, rate, commit, ++tx);
    }

    private ChangeEvent event(Operation op, String region, String rate, Instant commit, long txId) {
        Row row = Row.builder()
                .put("region", region)
                .put("rate", new BigDecimal(rate))
                .build();
        return new ChangeEvent(TAX_RATES, op, RowKey.of(List.of("region"), row), null, row, nextPosition(commit, txId));
    }

    private ChangeEvent deleteTax(String region, Instant commit) {
        Row key = Row.builder().put("region", region).build();
        return new ChangeEvent(
                TAX_RATES, Operation.DELETE, RowKey.of(List.of("region"), key), key, null, nextPosition(commit, ++tx));
    }

    private ChangeEvent truncate(Instant commit) {
        return new ChangeEvent(TAX_RATES, Operation.TRUNCATE, null, null, null, nextPosition(commit, ++tx));
    }

    private ChangeEvent change(TableId table, Operation op, Row after, Instant commit) {
        List<String> key = table.table().equals("order_lines")
                ? List.of("order_id", "line")
                : List.of(after.values().keySet().iterator().next());
        return new ChangeEvent(table, op, RowKey.of(key, after), null, after, nextPosition(commit, ++tx));
    }

    private ChangeEvent deleteRow(TableId table, Row before, Instant commit) {
        return new ChangeEvent(
                table,
                Operation.DELETE,
                RowKey.of(List.of("order_id", "line"), before),
                before,
                null,
                nextPosition(commit, ++tx));
    }

    private static Row line(long orderId, int line, int qty) {
        return Row.builder()
                .put("order_id", orderId)
                .put("line", (long) line)
                .put("qty", (long) qty)
                .build();
    }

    private static List<String> row(String... values) {
        return java.util.Arrays.asList(values);
    }

    private double counter(String name) {
        return meters.get(name).tag("table", TAX_RATES.toString()).counter().count();
    }

    /** Per key: versions ordered by valid_from; each ends where the next starts; only the last is open. */
    private static void assertContiguous(TestDatabase db, String historyTable, String keyColumns) throws SQLException {
        List<List<String>> problems = query(db, """
                SELECT key, valid_from::text, valid_to::text, next_from::text FROM (
                  SELECT (%1$s)::text AS key, valid_from, valid_to,
                         lead(valid_from) OVER (PARTITION BY %1$s ORDER BY valid_from, lsn) AS next_from,
                         lead(lsn) OVER (PARTITION BY %1$s ORDER BY valid_from, lsn) AS next_lsn
                  FROM %2$s) v
                WHERE (next_from IS NULL AND valid_to IS NOT NULL)
                   OR (next_from IS NOT NULL AND valid_to IS DISTINCT FROM next_from)
                   OR valid_to < valid_from
                """.formatted(keyColumns, historyTable));
        assertThat(problems)
                .as("versions that leave a gap, overlap or stay open")
                .isEmpty();
    }

    private static void assertNewestVersionsEqualTheSourceTable(TestDatabase db) throws SQLException {
        assertThat(
                        query(
                                db,
                                "SELECT region, data::text FROM history.tax_rates WHERE valid_to IS NULL AND NOT deleted ORDER BY region"))
                .isEqualTo(query(db, "SELECT region, to_jsonb(t)::text FROM tax_rates t ORDER BY region"));
    }

    private static String dump(TestDatabase db, String table) throws SQLException {
        return query(db, "SELECT h::text FROM " + table + " h ORDER BY 1").toString();
    }

    private static List<List<String>> query(TestDatabase db, String sql) {
        return db.rows(sql);
    }
}
