package io.cdcfanout.sink.history;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.Operation;
import io.cdcfanout.schema.Row;
import io.cdcfanout.schema.RowKey;
import io.cdcfanout.schema.SourcePosition;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.history.VersionPlan.KeyPlan;
import io.cdcfanout.sink.jdbc.ChunkedTableReader.ChunkRow;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReconcilePlannerTest {

    private static final TableId TABLE = TableId.parse("public.tax_rates");
    private static final List<String> KEY = List.of("region");
    private static final Instant READ_AT = Instant.parse("2024-01-01T12:00:00Z");

    private final Map<String, CurrentVersion> stored = new HashMap<>();
    private final Set<String> changedByStream = new HashSet<>();

    private static Row rate(String region, String rate) {
        return Row.builder()
                .put("region", region)
                .put("rate", new BigDecimal(rate))
                .build();
    }

    private static RowKey key(String region) {
        return RowKey.of(KEY, Row.builder().put("region", region).build());
    }

    private static ChunkRow read(String region, String rate) {
        Row row = rate(region, rate);
        return new ChunkRow(RowKey.of(KEY, row), row);
    }

    private void storeCurrent(String region, String rate, long lsn, boolean deleted, Instant from) {
        stored.put(
                key(region).asText(),
                new CurrentVersion(new Lsn(lsn), 7, from, deleted, HistoryJson.imageOf(rate(region, rate), null)));
    }

    private List<KeyPlan> present(ChunkRow... rows) {
        return ReconcilePlanner.present(List.of(rows), stored, changedByStream, READ_AT);
    }

    @Test
    void aRowThatDiffersFromItsCurrentVersionOpensAVersionFromTheReadJustAboveTheCurrentLsn() {
        storeCurrent("DE", "0.16", 500, false, READ_AT.minusSeconds(3600));

        assertThat(present(read("DE", "0.19"))).singleElement().satisfies(plan -> {
            assertThat(plan.closeLsn()).isEqualTo(new Lsn(500));
            assertThat(plan.closeAt()).isEqualTo(READ_AT);
            assertThat(plan.opens()).singleElement().satisfies(v -> {
                assertThat(v.lsn()).isEqualTo(new Lsn(501));
                assertThat(v.txId()).isEqualTo(ReconcilePlanner.SNAPSHOT_TX_ID);
                assertThat(v.validFrom()).isEqualTo(READ_AT);
                assertThat(v.validTo()).isNull();
                assertThat(v.deleted()).isFalse();
                assertThat(v.data().tree().get("rate").decimalValue()).isEqualByComparingTo("0.19");
            });
        });
    }

    @Test
    void anEqualRowAddsNothingAndNumericScaleDoesNotCountAsADifference() {
        storeCurrent("DE", "0.19", 500, false, READ_AT.minusSeconds(60));

        assertThat(present(read("DE", "0.190"))).isEmpty();
    }

    @Test
    void aRowOfAKeyWithoutHistoryOrWithADeletionVersionOpensALiveVersion() {
        storeCurrent("FR", "0.20", 900, true, READ_AT.minusSeconds(60));

        List<KeyPlan> plans = present(read("DE", "0.19"), read("FR", "0.21"));

        assertThat(plans).hasSize(2);
        assertThat(plans.get(0).closeLsn()).isNull();
        assertThat(plans.get(0).opens().get(0).lsn()).isEqualTo(new Lsn(1));
        assertThat(plans.get(1).closeLsn()).isEqualTo(new Lsn(900));
        assertThat(plans.get(1).opens().get(0).lsn()).isEqualTo(new Lsn(901));
        assertThat(plans.get(1).opens().get(0).deleted()).isFalse();
    }

    @Test
    void aKeyTheStreamChangedSinceTheRebuildBeganIsLeftToTheStream() {
        // The dangerous interleaving: the row was read before a transaction that wrote it committed; the stream
        // applied that newer change before the chunk reached the sink. The older read must not win.
        storeCurrent("DE", "0.25", 700, false, READ_AT.plusSeconds(1));
        changedByStream.add(key("DE").asText());

        assertThat(present(read("DE", "0.19"))).isEmpty();
        assertThat(ReconcilePlanner.gone(List.of(key("DE")), stored, changedByStream, READ_AT))
                .isEmpty();
    }

    @Test
    void theNextStreamedChangeOfAReconciledKeyStillWinsAndAReplayOfAnOlderOneStillLoses() {
        storeCurrent("DE", "0.16", 500, false, READ_AT.minusSeconds(3600));
        var version = present(read("DE", "0.19")).get(0).opens().get(0);
        stored.put(
                key("DE").asText(), new CurrentVersion(version.lsn(), 0, version.validFrom(), false, version.data()));

        // The row's next change is written after the transaction of LSN 500 committed, so above 501.
        ChangeEvent next = update("DE", "0.21", 560);
        ChangeEvent replayed = update("DE", "0.16", 500);

        assertThat(VersionPlanner.plan(List.of(next), stored).opens()).isEqualTo(1);
        assertThat(VersionPlanner.plan(List.of(replayed), stored).opens()).isZero();
    }

    @Test
    void aLiveKeyWhoseRowIsGoneGetsADeletionVersionWithItsLastImage() {
        storeCurrent("DE", "0.16", 500, false, READ_AT.minusSeconds(3600));
        storeCurrent("FR", "0.20", 600, true, READ_AT.minusSeconds(3600));

        List<KeyPlan> plans =
                ReconcilePlanner.gone(List.of(key("DE"), key("FR"), key("IT")), stored, Set.of(), READ_AT);

        assertThat(plans).singleElement().satisfies(plan -> {
            assertThat(plan.key()).isEqualTo(key("DE"));
            assertThat(plan.closeLsn()).isEqualTo(new Lsn(500));
            assertThat(plan.opens()).singleElement().satisfies(v -> {
                assertThat(v.deleted()).isTrue();
                assertThat(v.lsn()).isEqualTo(new Lsn(501));
                assertThat(v.data().tree().get("rate").decimalValue()).isEqualByComparingTo("0.16");
            });
        });
    }

    @Test
    void aReadBeforeTheCurrentVersionsStartIsRaisedToItSoNoIntervalIsNegative() {
        Instant later = READ_AT.plusSeconds(5); // the clocks of the source and the sidecar disagree
        storeCurrent("DE", "0.16", 500, false, later);

        assertThat(present(read("DE", "0.19")).get(0).opens().get(0).validFrom())
                .isEqualTo(later);
    }

    private static ChangeEvent update(String region, String rate, long lsn) {
        Row after = rate(region, rate);
        return new ChangeEvent(
                TABLE,
                Operation.UPDATE,
                RowKey.of(KEY, after),
                null,
                after,
                new SourcePosition(new Lsn(lsn), 42, READ_AT.plusSeconds(10), 1));
    }
}
