package io.cdcfanout.service.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcfanout.schema.TableId;
import io.cdcfanout.service.pipeline.AddedTablesPlan.Backfill;
import io.cdcfanout.service.pipeline.AddedTablesPlan.SinkTablesNow;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AddedTablesPlanTest {

    private static final TableId A = TableId.parse("public.a");
    private static final TableId B = TableId.parse("public.b");
    private static final TableId C = TableId.parse("public.c");

    @Test
    void anInstanceThatRecordedNothingRegistersEverythingAsItIs() {
        AddedTablesPlan plan =
                AddedTablesPlan.of(Map.of(), Map.of("search", new SinkTablesNow(Set.of(A, B), Backfill.REBUILD)));

        assertThat(plan.backfill()).isEmpty();
        assertThat(plan.register()).containsEntry("search", List.of(A, B));
    }

    @Test
    void aTableAddedToARebuildableSinkIsBackfilledAndRegisteredOnlyOnceDone() {
        AddedTablesPlan plan = AddedTablesPlan.of(
                Map.of("search", Set.of(A), "history", Set.of(A), "cache", Set.of(A)),
                Map.of(
                        "search", new SinkTablesNow(Set.of(A, B), Backfill.REBUILD),
                        "history", new SinkTablesNow(Set.of(A, B), Backfill.NONE),
                        "cache", new SinkTablesNow(Set.of(A, B), Backfill.LOADS_AT_START)));

        assertThat(plan.backfill()).containsOnlyKeys("search").containsEntry("search", List.of(B));
        assertThat(plan.register()).containsOnlyKeys("history", "cache");
        assertThat(plan.cannotBackfill()).containsOnlyKeys("history").containsEntry("history", List.of(B));
    }

    @Test
    void aSinkAddedLaterIsBackfilledWithAllItsTables() {
        AddedTablesPlan plan = AddedTablesPlan.of(
                Map.of("cache", Set.of(A)),
                Map.of(
                        "cache", new SinkTablesNow(Set.of(A), Backfill.LOADS_AT_START),
                        "search", new SinkTablesNow(Set.of(C, A), Backfill.REBUILD)));

        assertThat(plan.backfill()).containsEntry("search", List.of(A, C));
        assertThat(plan.register()).isEmpty();
    }

    @Test
    void removedTablesAndSinksAreReportedOnce() {
        AddedTablesPlan plan = AddedTablesPlan.of(
                Map.of("search", Set.of(A, B), "old", Set.of(C)),
                Map.of("search", new SinkTablesNow(Set.of(A), Backfill.REBUILD)));

        assertThat(plan.removed()).containsEntry("search", List.of(B)).containsEntry("old", List.of(C));
        assertThat(plan.backfill()).isEmpty();
    }
}
