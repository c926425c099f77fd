package io.cdcfanout.sink.search;

import static io.cdcfanout.sink.search.DocumentMapperTest.event;
import static io.cdcfanout.sink.search.DocumentMapperTest.key;
import static org.assertj.core.api.Assertions.assertThat;

import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.Operation;
import io.cdcfanout.schema.Row;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChangeCoalescerTest {

    @Test
    void keepsTheNewestChangePerDocumentInTheOrderDocumentsWereLastChanged() {
        ChangeEvent a1 = event(
                Operation.INSERT,
                1,
                key(1),
                Row.builder().put("id", 1L).put("v", "a1").build());
        ChangeEvent b1 = event(
                Operation.INSERT,
                2,
                key(2),
                Row.builder().put("id", 2L).put("v", "b1").build());
        ChangeEvent a2 = event(
                Operation.UPDATE,
                3,
                key(1),
                Row.builder().put("id", 1L).put("v", "a2").build());
        ChangeEvent c1 =
                event(Operation.INSERT, 4, key(3), Row.builder().put("id", 3L).build());
        ChangeEvent b2 = new ChangeEvent(
                b1.table(),
                Operation.DELETE,
                key(2),
                null,
                null,
                event(Operation.INSERT, 5, key(2), b1.after()).position());

        List<ChangeEvent> newest = ChangeCoalescer.newestPerDocument(
                List.of(a1, b1, a2, c1, b2), e -> e.key().asText());

        assertThat(newest).containsExactly(a2, c1, b2);
    }

    @Test
    void carriesUnchangedToastValuesForwardFromOlderImagesOfTheBatch() {
        ChangeEvent insert = event(
                Operation.INSERT,
                1,
                key(1),
                Row.builder().put("id", 1L).put("body", "long").put("n", 1L).build());
        ChangeEvent update = event(
                Operation.UPDATE,
                2,
                key(1),
                Row.builder().put("id", 1L).unchangedToast("body").put("n", 2L).build());

        ChangeEvent merged = ChangeCoalescer.newestPerDocument(
                        List.of(insert, update), e -> e.key().asText())
                .get(0);

        assertThat(merged.after().isComplete()).isTrue();
        assertThat(merged.after().get("body")).isEqualTo("long");
        assertThat(merged.after().get("n")).isEqualTo(2L);
        assertThat(merged.position()).isEqualTo(update.position());
    }
}
