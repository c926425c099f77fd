package io.cdcfanout.connect;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.Operation;
import io.cdcfanout.schema.Row;
import io.cdcfanout.schema.RowKey;
import io.cdcfanout.schema.SourcePosition;
import io.cdcfanout.schema.TableId;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ChangeOrderTest {

    private static final TableId ORDERS = new TableId("public", "orders");
    private static final TableId ITEMS = new TableId("public", "items");

    static ChangeEvent upsert(TableId table, long key, long lsn) {
        return new ChangeEvent(
                table,
                Operation.UPDATE,
                new RowKey(List.of("id"), List.of(key)),
                null,
                Row.of(Map.of("id", key, "v", lsn)),
                new SourcePosition(new Lsn(lsn), lsn, Instant.ofEpochSecond(lsn), 0));
    }

    static ChangeEvent snapshot(TableId table, long key) {
        return new ChangeEvent(
                table,
                Operation.SNAPSHOT,
                new RowKey(List.of("id"), List.of(key)),
                null,
                Row.of(Map.of("id", key)),
                new SourcePosition(Lsn.ZERO, 1, Instant.EPOCH, key));
    }

    static ChangeEvent truncate(TableId table, long lsn) {
        return new ChangeEvent(
                table, Operation.TRUNCATE, null, null, null, new SourcePosition(new Lsn(lsn), lsn, Instant.EPOCH, 1));
    }

    @Test
    void twoPartitionsInterleaveByLsnAndEachKeyKeepsItsOrder() {
        // partition 0: key 1 at 10, 40; partition 1: key 2 at 20, 30; put hands them partition by partition
        ChangeEvent a1 = upsert(ORDERS, 1, 10);
        ChangeEvent a2 = upsert(ORDERS, 1, 40);
        ChangeEvent b1 = upsert(ORDERS, 2, 20);
        ChangeEvent b2 = upsert(ORDERS, 2, 30);

        assertThat(ChangeOrder.inLsnOrder(List.of(a1, a2, b1, b2))).containsExactly(a1, b1, b2, a2);
    }

    @Test
    void changesAtOneLsnKeepTheirOrder() {
        ChangeEvent first = upsert(ORDERS, 1, 10);
        ChangeEvent second = upsert(ORDERS, 2, 10);
        ChangeEvent third = upsert(ITEMS, 3, 10);

        assertThat(ChangeOrder.inLsnOrder(List.of(first, second, third))).containsExactly(first, second, third);
        assertThat(ChangeOrder.inLsnOrder(List.of(third, second, first))).containsExactly(third, second, first);
    }

    @Test
    void aTruncateFromAnotherPartitionLandsBetweenTheChangesBeforeAndAfterIt() {
        ChangeEvent before = upsert(ORDERS, 1, 10);
        ChangeEvent after = upsert(ORDERS, 1, 60);
        ChangeEvent truncate = truncate(ORDERS, 50);

        assertThat(ChangeOrder.inLsnOrder(List.of(truncate, before, after))).containsExactly(before, truncate, after);
    }

    @Test
    void theOldestRowChangeIsPerTableAndIgnoresSnapshotRowsAndTruncates() {
        List<ChangeEvent> events = List.of(
                upsert(ORDERS, 1, 30),
                upsert(ORDERS, 2, 20),
                upsert(ITEMS, 3, 70),
                snapshot(ITEMS, 4),
                truncate(ORDERS, 5),
                truncate(new TableId("public", "other"), 1));

        assertThat(ChangeOrder.oldestRowChange(events))
                .containsExactly(Map.entry(ORDERS, new Lsn(20)), Map.entry(ITEMS, new Lsn(70)));
        assertThat(ChangeOrder.oldestRowChange(List.of(snapshot(ITEMS, 1)))).isEmpty();
    }

    @Test
    void loggedTruncatesAreMergedInPlaceOnceEach() {
        ChangeEvent old = upsert(ORDERS, 1, 10);
        ChangeEvent own = truncate(ORDERS, 30);
        ChangeEvent newer = upsert(ORDERS, 2, 40);
        ChangeEvent later = upsert(ORDERS, 1, 80);
        List<ChangeEvent> batch = List.of(old, own, newer, later);
        ChangeEvent logged = truncate(ORDERS, 50);

        List<ChangeEvent> merged = ChangeOrder.withTruncates(batch, List.of(truncate(ORDERS, 30), logged));

        assertThat(merged).containsExactly(old, own, newer, logged, later);
        assertThat(ChangeOrder.withTruncates(batch, List.of())).isSameAs(batch);
    }

    @Test
    void missingTruncatesAreTheLoggedOnesNotInTheBatchInLsnOrder() {
        List<ChangeEvent> batch = List.of(upsert(ORDERS, 1, 10), truncate(ORDERS, 30));

        List<ChangeEvent> missing = ChangeOrder.missing(
                batch, List.of(truncate(ITEMS, 90), truncate(ORDERS, 30), truncate(ORDERS, 60), truncate(ORDERS, 60)));

        assertThat(missing)
                .extracting(ChangeEvent::table, e -> e.lsn().value())
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(ORDERS, 60L),
                        org.assertj.core.groups.Tuple.tuple(ITEMS, 90L));
    }

    @Test
    void aSinkGetsOnlyItsTablesAndTheBatchReachesItsHighestLsn() {
        List<ChangeEvent> events = List.of(upsert(ORDERS, 1, 10), upsert(ITEMS, 2, 20), truncate(ORDERS, 30));

        assertThat(ChangeOrder.ofTables(events, Set.of(ORDERS)))
                .extracting(ChangeEvent::table)
                .containsOnly(ORDERS)
                .hasSize(2);
        assertThat(ChangeOrder.highest(events)).isEqualTo(new Lsn(30));
        assertThat(ChangeOrder.highest(List.of())).isEqualTo(Lsn.ZERO);
        assertThat(ChangeOrder.truncates(events))
                .extracting(e -> e.lsn().value())
                .containsExactly(30L);
    }
}
