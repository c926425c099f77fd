package io.cdcfanout.sink.history;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.Operation;
import io.cdcfanout.schema.Row;
import io.cdcfanout.schema.RowKey;
import io.cdcfanout.schema.SourcePosition;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.history.VersionPlan.KeyPlan;
import io.cdcfanout.sink.history.VersionPlan.NewVersion;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VersionPlannerTest {

    private static final TableId TABLE = TableId.parse("public.tax_rates");
    private static final List<String> KEY = List.of("region");

    private final Map<String, CurrentVersion> stored = new HashMap<>();

    private static Instant t(int minute) {
        return Instant.parse("2024-01-01T10:00:00Z").plusSeconds(60L * minute);
    }

    private static SourcePosition at(long lsn, long tx, Instant commit) {
        return new SourcePosition(new Lsn(lsn), tx, commit, 1);
    }

    private static Row rate(String region, String rate) {
        return Row.builder()
                .put("region", region)
                .put("rate", new BigDecimal(rate))
                .build();
    }

    private static ChangeEvent write(Operation op, String region, String rateValue, long lsn, long tx, Instant commit) {
        Row after = rate(region, rateValue);
        return new ChangeEvent(TABLE, op, RowKey.of(KEY, after), null, after, at(lsn, tx, commit));
    }

    private static ChangeEvent delete(String region, long lsn, long tx, Instant commit) {
        Row before = Row.builder().put("region", region).build();
        return new ChangeEvent(TABLE, Operation.DELETE, RowKey.of(KEY, before), before, null, at(lsn, tx, commit));
    }

    private static ChangeEvent truncate(long lsn, long tx, Instant commit) {
        return new ChangeEvent(TABLE, Operation.TRUNCATE, null, null, null, at(lsn, tx, commit));
    }

    private void storeCurrent(String region, String rateValue, long lsn, long tx, Instant from) {
        stored.put(
                region,
                new CurrentVersion(new Lsn(lsn), tx, from, false, HistoryJson.imageOf(rate(region, rateValue), null)));
    }

    private VersionPlan plan(ChangeEvent... events) {
        return VersionPlanner.plan(List.of(events), stored);
    }

    private static KeyPlan only(VersionPlan plan) {
        assertThat(plan.keys()).hasSize(1);
        return plan.keys().get(0);
    }

    private static String rateOf(NewVersion v) {
        return v.data().tree().get("rate").decimalValue().toPlainString();
    }

    @Test
    void firstInsertOpensACurrentVersionAndClosesNothing() {
        KeyPlan plan = only(plan(write(Operation.INSERT, "DE", "0.19", 100, 1, t(0))));

        assertThat(plan.closeLsn()).isNull();
        assertThat(plan.removeLsn()).isNull();
        assertThat(plan.opens()).singleElement().satisfies(v -> {
            assertThat(v.validFrom()).isEqualTo(t(0));
            assertThat(v.validTo()).isNull();
            assertThat(v.deleted()).isFalse();
            assertThat(v.lsn()).isEqualTo(new Lsn(100));
            assertThat(rateOf(v)).isEqualTo("0.19");
        });
    }

    @Test
    void updateClosesTheStoredVersionAtItsCommitTimeAndOpensTheNext() {
        storeCurrent("DE", "0.16", 100, 1, t(0));

        KeyPlan plan = only(plan(write(Operation.UPDATE, "DE", "0.19", 200, 2, t(5))));

        assertThat(plan.closeLsn()).isEqualTo(new Lsn(100));
        assertThat(plan.closeAt()).isEqualTo(t(5));
        assertThat(plan.opens()).singleElement().satisfies(v -> {
            assertThat(v.validFrom()).isEqualTo(t(5));
            assertThat(rateOf(v)).isEqualTo("0.19");
        });
    }

    @Test
    void changesOfSeveralTransactionsInOneBatchChainContiguously() {
        storeCurrent("DE", "0.16", 100, 1, t(0));

        KeyPlan plan = only(plan(
                write(Operation.UPDATE, "DE", "0.17", 200, 2, t(1)),
                write(Operation.UPDATE, "DE", "0.18", 300, 3, t(2)),
                write(Operation.UPDATE, "DE", "0.19", 400, 4, t(3))));

        assertThat(plan.closeAt()).isEqualTo(t(1));
        assertThat(plan.opens())
                .extracting(NewVersion::validFrom, NewVersion::validTo)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(t(1), t(2)),
                        org.assertj.core.groups.Tuple.tuple(t(2), t(3)),
                        org.assertj.core.groups.Tuple.tuple(t(3), null));
    }

    @Test
    void replayedOrStaleChangesWriteNothing() {
        storeCurrent("DE", "0.19", 300, 3, t(3));

        KeyPlan plan = only(plan(
                write(Operation.INSERT, "DE", "0.16", 100, 1, t(0)),
                write(Operation.UPDATE, "DE", "0.19", 300, 3, t(3))));

        assertThat(plan.writesNothing()).isTrue();
    }

    @Test
    void deleteClosesTheLiveVersionAndOpensADeletionVersionWithTheLastImage() {
        storeCurrent("DE", "0.19", 100, 1, t(0));

        KeyPlan plan = only(plan(delete("DE", 200, 2, t(5))));

        assertThat(plan.closeAt()).isEqualTo(t(5));
        assertThat(plan.opens()).singleElement().satisfies(v -> {
            assertThat(v.deleted()).isTrue();
            assertThat(v.validFrom()).isEqualTo(t(5));
            assertThat(v.validTo()).isNull();
            assertThat(rateOf(v)).isEqualTo("0.19");
        });
    }

    @Test
    void reInsertClosesTheDeletionVersion() {
        stored.put(
                "DE", new CurrentVersion(new Lsn(200), 2, t(5), true, HistoryJson.imageOf(rate("DE", "0.19"), null)));

        KeyPlan plan = only(plan(write(Operation.INSERT, "DE", "0.07", 300, 3, t(9))));

        assertThat(plan.closeLsn()).isEqualTo(new Lsn(200));
        assertThat(plan.closeAt()).isEqualTo(t(9));
        assertThat(plan.opens())
                .singleElement()
                .satisfies(v -> assertThat(v.deleted()).isFalse());
    }

    @Test
    void deletingADeletedKeyAddsNothing() {
        stored.put("DE", new CurrentVersion(new Lsn(200), 2, t(5), true, null));

        assertThat(only(plan(delete("DE", 300, 3, t(6)))).writesNothing()).isTrue();
    }

    @Test
    void deleteOfAnUnknownKeyRecordsADeletionFromTheBeforeImage() {
        KeyPlan plan = only(plan(delete("FR", 300, 3, t(6))));

        assertThat(plan.opens()).singleElement().satisfies(v -> {
            assertThat(v.deleted()).isTrue();
            assertThat(v.data().tree().get("region").asText()).isEqualTo("FR");
        });
    }

    @Test
    void deleteOfAnUnknownKeyStoresOnlyTheKeyNotTheDefaultsOfTheBeforeImage() {
        // Under the default replica identity Postgres sends only the key of a deleted row; Debezium fills the
        // other NOT NULL columns with "" and 0, which are no values the row ever had.
        Row before = Row.builder()
                .put("region", "FR")
                .put("rate", BigDecimal.ZERO)
                .put("name", "")
                .build();
        ChangeEvent delete =
                new ChangeEvent(TABLE, Operation.DELETE, RowKey.of(KEY, before), before, null, at(300, 3, t(6)));

        KeyPlan plan = only(plan(delete));

        assertThat(plan.opens()).singleElement().satisfies(v -> {
            assertThat(v.deleted()).isTrue();
            assertThat(v.data().text()).isEqualTo("{\"region\":\"FR\"}");
        });
    }

    @Test
    void severalChangesOfOneTransactionLeaveOnlyTheLastState() {
        storeCurrent("DE", "0.16", 100, 1, t(0));

        KeyPlan plan = only(plan(
                write(Operation.UPDATE, "DE", "0.17", 200, 7, t(4)),
                write(Operation.UPDATE, "DE", "0.18", 210, 7, t(4)),
                write(Operation.UPDATE, "DE", "0.19", 220, 7, t(4))));

        assertThat(plan.closeAt()).isEqualTo(t(4));
        assertThat(plan.opens()).singleElement().satisfies(v -> {
            assertThat(v.lsn()).isEqualTo(new Lsn(220));
            assertThat(v.validFrom()).isEqualTo(t(4));
            assertThat(rateOf(v)).isEqualTo("0.19");
        });
    }

    @Test
    void aTransactionSplitAcrossBatchesReplacesItsEarlierStoredVersion() {
        storeCurrent("DE", "0.17", 200, 7, t(4));

        KeyPlan plan = only(plan(write(Operation.UPDATE, "DE", "0.19", 220, 7, t(4))));

        assertThat(plan.removeLsn()).isEqualTo(new Lsn(200));
        assertThat(plan.closeLsn()).isNull();
        assertThat(plan.opens())
                .singleElement()
                .satisfies(v -> assertThat(v.validFrom()).isEqualTo(t(4)));
    }

    @Test
    void insertAndDeleteInOneTransactionLeaveOneDeletionVersion() {
        KeyPlan plan = only(plan(write(Operation.INSERT, "FR", "0.20", 200, 7, t(4)), delete("FR", 210, 7, t(4))));

        assertThat(plan.opens()).singleElement().satisfies(v -> {
            assertThat(v.deleted()).isTrue();
            assertThat(v.lsn()).isEqualTo(new Lsn(210));
        });
    }

    @Test
    void unchangedToastColumnsAreCarriedForwardNeverStoredAsPlaceholders() {
        Row first = Row.builder()
                .put("region", "DE")
                .put("rate", new BigDecimal("0.16"))
                .put("notes", "long text")
                .build();
        stored.put("DE", new CurrentVersion(new Lsn(100), 1, t(0), false, HistoryJson.imageOf(first, null)));
        Row after = Row.builder()
                .put("region", "DE")
                .put("rate", new BigDecimal("0.19"))
                .unchangedToast("notes")
                .build();

        KeyPlan plan = only(
                plan(new ChangeEvent(TABLE, Operation.UPDATE, RowKey.of(KEY, after), null, after, at(200, 2, t(5)))));

        ObjectNode data = plan.opens().get(0).data().tree();
        assertThat(data.get("notes").asText()).isEqualTo("long text");
        assertThat(data.get("rate").decimalValue()).isEqualByComparingTo("0.19");
        assertThat(plan.opens().get(0).data().text())
                .isEqualTo("{\"region\":\"DE\",\"rate\":0.19,\"notes\":\"long text\"}");
    }

    @Test
    void aDeletionVersionWritesTheStoredImageBackAsItWasStored() {
        String storedText = "{\"rate\": 0.190, \"region\": \"DE\"}";
        stored.put("DE", new CurrentVersion(new Lsn(100), 1, t(0), false, VersionData.stored(storedText)));

        KeyPlan plan = only(plan(delete("DE", 200, 2, t(5))));

        assertThat(plan.opens())
                .singleElement()
                .satisfies(v -> assertThat(v.data().text()).isEqualTo(storedText));
    }

    @Test
    void aChangesImageIsWrittenAsItsRowRendersIt() {
        KeyPlan plan = only(plan(write(Operation.INSERT, "DE", "0.190", 100, 1, t(0))));

        assertThat(plan.opens().get(0).data().text()).isEqualTo("{\"region\":\"DE\",\"rate\":0.190}");
    }

    @Test
    void anUnchangedToastColumnNoVersionKnowsIsRejectedNotRecordedWithout() {
        Row after = Row.builder()
                .put("region", "DE")
                .put("rate", new BigDecimal("0.19"))
                .unchangedToast("notes")
                .build();
        ChangeEvent update =
                new ChangeEvent(TABLE, Operation.UPDATE, RowKey.of(KEY, after), null, after, at(200, 2, t(5)));

        VersionPlan plan = plan(update);

        assertThat(only(plan).writesNothing()).isTrue();
        assertThat(plan.rejections()).singleElement().satisfies(r -> {
            assertThat(r.event()).isEqualTo(update);
            assertThat(r.reason()).contains("TOAST", "[notes]", "no live version");
        });
    }

    @Test
    void anUnchangedToastColumnAfterADeletionIsRejected() {
        stored.put(
                "DE", new CurrentVersion(new Lsn(100), 1, t(0), true, HistoryJson.imageOf(rate("DE", "0.16"), null)));
        Row after = Row.builder()
                .put("region", "DE")
                .put("rate", new BigDecimal("0.19"))
                .unchangedToast("notes")
                .build();

        VersionPlan plan =
                plan(new ChangeEvent(TABLE, Operation.UPDATE, RowKey.of(KEY, after), null, after, at(200, 2, t(5))));

        assertThat(only(plan).writesNothing()).isTrue();
        assertThat(plan.rejections()).hasSize(1);
    }

    @Test
    void snapshotOfIdenticalDataAddsNoVersionButChangedDataDoes() {
        // Stored as jsonb gives it back: the integer comes back as an int, the decimal as a decimal.
        stored.put(
                "DE",
                new CurrentVersion(
                        new Lsn(100),
                        1,
                        t(0),
                        false,
                        VersionData.stored("{\"region\":\"DE\",\"rate\":0.19,\"version\":3}")));
        Row same = Row.builder()
                .put("region", "DE")
                .put("rate", new BigDecimal("0.190"))
                .put("version", 3L)
                .build();
        Row changed = Row.builder()
                .put("region", "DE")
                .put("rate", new BigDecimal("0.20"))
                .put("version", 3L)
                .build();

        assertThat(only(plan(new ChangeEvent(
                                TABLE, Operation.SNAPSHOT, RowKey.of(KEY, same), null, same, at(500, 9, t(30)))))
                        .writesNothing())
                .isTrue();
        assertThat(only(plan(new ChangeEvent(
                                TABLE, Operation.SNAPSHOT, RowKey.of(KEY, changed), null, changed, at(500, 9, t(30)))))
                        .opens())
                .singleElement()
                .satisfies(v -> assertThat(v.validFrom()).isEqualTo(t(30)));
    }

    @Test
    void truncateDeletesEveryKeyOfTheBatchAtItsPlaceInTheOrder() {
        storeCurrent("DE", "0.19", 100, 1, t(0));
        storeCurrent("FR", "0.20", 110, 1, t(0));

        VersionPlan plan = plan(
                write(Operation.UPDATE, "DE", "0.21", 200, 2, t(1)),
                truncate(300, 3, t(2)),
                write(Operation.INSERT, "FR", "0.05", 400, 4, t(3)));

        assertThat(plan.truncates()).hasSize(1);
        KeyPlan de = plan.keys().get(0);
        assertThat(de.opens())
                .extracting(NewVersion::deleted, NewVersion::validFrom, NewVersion::validTo)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(false, t(1), t(2)),
                        org.assertj.core.groups.Tuple.tuple(true, t(2), null));
        KeyPlan fr = plan.keys().get(1);
        assertThat(fr.closeAt()).isEqualTo(t(2));
        assertThat(fr.opens())
                .extracting(NewVersion::deleted, NewVersion::validFrom, NewVersion::validTo)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(true, t(2), t(3)),
                        org.assertj.core.groups.Tuple.tuple(false, t(3), null));
    }

    @Test
    void aCommitTimeEarlierThanThePreviousVersionIsRaisedSoNoIntervalIsNegative() {
        storeCurrent("DE", "0.16", 100, 1, t(5));

        KeyPlan plan = only(plan(write(Operation.UPDATE, "DE", "0.19", 200, 2, t(4))));

        assertThat(plan.closeAt()).isEqualTo(t(5));
        assertThat(plan.opens().get(0).validFrom()).isEqualTo(t(5));
    }

    @Test
    void commitTimesAreKeptToTheMicrosecondAsPostgresStoresThem() {
        Instant withNanos = t(0).plusNanos(123_456_789);

        KeyPlan plan = only(plan(write(Operation.INSERT, "DE", "0.19", 100, 1, withNanos)));

        assertThat(plan.opens().get(0).validFrom()).isEqualTo(t(0).plusNanos(123_456_000));
    }
}
