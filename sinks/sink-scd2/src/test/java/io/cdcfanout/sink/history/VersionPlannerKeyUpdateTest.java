package io.cdcfanout.sink.history;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.Row;
import io.cdcfanout.schema.RowKey;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.history.VersionPlan.KeyPlan;
import io.cdcfanout.sink.history.VersionPlan.NewVersion;
import io.cdcfanout.sink.testkit.ChangeEvents;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An update of the primary key: the new key's first version takes the unchanged TOAST column from the old key's image. */
class VersionPlannerKeyUpdateTest {

    private static final TableId DOCS = TableId.parse("public.docs");
    private static final ChangeEvents MOVES = new ChangeEvents(DOCS, "id");
    private static final Instant T0 = Instant.parse("2024-01-01T10:00:00Z");

    private final Map<String, CurrentVersion> stored = new HashMap<>();

    @Test
    void theNewKeyTakesTheBodyFromTheOldKeyInTheSameBatch() {
        storeLive(1, "long body", 100);

        VersionPlan plan = plan(move(200, 7, 1, 10));

        assertThat(body(newest(plan, 10))).isEqualTo("long body");
        assertThat(newest(plan, 1).deleted()).isTrue();
        assertThat(VersionPlanner.keysToLoad(move(200, 7, 1, 10)))
                .extracting(RowKey::asText)
                .containsExactly("1", "10");
    }

    @Test
    void theNewKeyTakesTheBodyFromTheOldKeysDeletionVersionWhenTheDeleteCameInTheBatchBefore() {
        stored.put("1", new CurrentVersion(new Lsn(200), 7, T0, true, HistoryJson.imageOf(row(1, "long body"), null)));

        VersionPlan plan = plan(move(200, 7, 1, 10).get(1));

        assertThat(body(newest(plan, 10))).isEqualTo("long body");
    }

    @Test
    void aSwapThroughATemporaryKeyInOneTransactionKeepsBothBodies() {
        storeLive(4, "body of four", 100);
        storeLive(5, "body of five", 101);
        List<ChangeEvent> swap = new ArrayList<>(move(200, 9, 4, -1));
        swap.addAll(move(201, 9, 5, 4));
        swap.addAll(move(202, 9, -1, 5));

        VersionPlan plan = plan(swap);

        assertThat(body(newest(plan, 4))).isEqualTo("body of five");
        assertThat(body(newest(plan, 5))).isEqualTo("body of four");
        assertThat(newest(plan, -1).deleted()).isTrue();
    }

    @Test
    void aReplayWritesNothing() {
        stored.put("1", new CurrentVersion(new Lsn(200), 7, T0, true, HistoryJson.imageOf(row(1, "long body"), null)));
        stored.put(
                "10", new CurrentVersion(new Lsn(200), 7, T0, false, HistoryJson.imageOf(row(10, "long body"), null)));

        assertThat(plan(move(200, 7, 1, 10)).keys()).allMatch(KeyPlan::writesNothing);
    }

    private VersionPlan plan(List<ChangeEvent> events) {
        return VersionPlanner.plan(events, stored);
    }

    private VersionPlan plan(ChangeEvent event) {
        return plan(List.of(event));
    }

    private static NewVersion newest(VersionPlan plan, int id) {
        KeyPlan key = plan.keys().stream()
                .filter(k -> k.key().asText().equals(String.valueOf(id)))
                .findFirst()
                .orElseThrow();
        return key.opens().get(key.opens().size() - 1);
    }

    private static String body(NewVersion version) {
        return version.data().tree().path("body").asText(null);
    }

    private void storeLive(int id, String body, long lsn) {
        stored.put(
                String.valueOf(id),
                new CurrentVersion(new Lsn(lsn), lsn, T0, false, HistoryJson.imageOf(row(id, body), null)));
    }

    private static Row row(int id, String body) {
        return Row.builder()
                .put("id", (long) id)
                .put("title", "t")
                .put("body", body)
                .build();
    }

    /** The two changes Debezium sends for {@code UPDATE docs SET id = to WHERE id = from} with body unchanged. */
    private static List<ChangeEvent> move(long lsn, long tx, int from, int to) {
        return MOVES.move(from, to)
                .set("title", "t")
                .unchangedToast("body")
                .inTransaction(tx)
                .at(lsn);
    }
}
