package io.cdcfanout.sink.search;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.Operation;
import io.cdcfanout.schema.Row;
import io.cdcfanout.schema.RowKey;
import io.cdcfanout.schema.SourcePosition;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.search.ElasticsearchSinkConfig.TableOptions;
import io.cdcfanout.sink.search.KeyMoveImages.Origin;
import io.cdcfanout.sink.testkit.ChangeEvents;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Where the unknown columns of a document whose row's key was updated come from, and what its write looks like. */
class KeyMoveImagesTest {

    private static final TableId DOCS = TableId.parse("public.docs");
    private static final ChangeEvents MOVES = new ChangeEvents(DOCS, "id");
    private static final KeyMoveImages.DocumentIds IDS = (table, key) -> key.asText();
    private final DocumentMapper mapper = new DocumentMapper(new TableOptions("docs", null, null, null, null));

    @Test
    void batchesWithoutKeyUpdatesComputeNothing() {
        ChangeEvent insert = new ChangeEvent(DOCS, Operation.INSERT, key(1), null, row(1, "t", "b"), at(100));

        assertThat(KeyMoveImages.of(List.of(insert), IDS)).isSameAs(KeyMoveImages.NONE);
        assertThat(KeyMoveImages.NONE.of(insert, IDS)).isNull();
    }

    @Test
    void theNewKeysUnknownColumnsComeFromTheOldKeysDocumentAsOfTheMove() throws Exception {
        List<ChangeEvent> move = move(200, 1, 10);
        KeyMoveImages images = KeyMoveImages.of(move, IDS);

        DocumentWrite insert = mapper.toWrite(move.get(1), images.of(move.get(1), IDS));
        assertThat(insert.unknownColumns()).containsExactly("body");
        assertThat(insert.origins()).containsExactly(new Origin("1", 200));
        assertThat(images.isOrigin(DOCS, "1")).isTrue();
        assertThat(images.isOrigin(DOCS, "10")).isFalse();

        DocumentWrite tombstone = mapper.toWrite(move.get(0), images.of(move.get(0), IDS));
        assertThat(tombstone.tombstone()).isTrue();
        assertThat(tombstone.copyAllColumns())
                .as("the tombstone keeps the row's last image")
                .isTrue();
        assertThat(tombstone.origins()).containsExactly(new Origin("1", 200));
    }

    @Test
    void aValueTheBatchWroteUnderTheOldKeyIsTakenFromTheBatch() throws Exception {
        List<ChangeEvent> events = new ArrayList<>();
        events.add(new ChangeEvent(DOCS, Operation.UPDATE, key(1), null, row(1, "t", "new body"), at(150)));
        events.addAll(move(200, 1, 10));
        KeyMoveImages images = KeyMoveImages.of(events, IDS);

        DocumentWrite insert = mapper.toWrite(events.get(2), images.of(events.get(2), IDS));
        assertThat(insert.needsPreviousDocument()).isFalse();
        assertThat(DocumentMapperTest.fields(insert)).contains("body");
    }

    @Test
    void aSwapThroughATemporaryKeyLooksThroughTheChainNearestFirst() throws Exception {
        List<ChangeEvent> swap = new ArrayList<>(move(200, 4, -1));
        swap.addAll(move(201, 5, 4));
        swap.addAll(move(202, -1, 5));
        KeyMoveImages images = KeyMoveImages.of(swap, IDS);

        assertThat(images.of(swap.get(3), IDS).origins()).containsExactly(new Origin("5", 201));
        assertThat(images.of(swap.get(5), IDS).origins()).containsExactly(new Origin("-1", 202), new Origin("4", 200));
        DocumentWrite temporary = mapper.toWrite(swap.get(4), images.of(swap.get(4), IDS));
        assertThat(temporary.tombstone()).isTrue();
        assertThat(temporary.unknownColumns()).containsExactly("body");
        assertThat(temporary.origins()).containsExactly(new Origin("4", 200));
    }

    private static RowKey key(int id) {
        return new RowKey(List.of("id"), List.of((long) id));
    }

    private static Row row(int id, String title, String body) {
        return Row.builder()
                .put("id", (long) id)
                .put("title", title)
                .put("body", body)
                .build();
    }

    private static SourcePosition at(long lsn) {
        return new SourcePosition(new Lsn(lsn), 9, Instant.EPOCH, 1);
    }

    /** The two changes Debezium sends for {@code UPDATE docs SET id = to WHERE id = from} with body unchanged. */
    private static List<ChangeEvent> move(long lsn, int from, int to) {
        return MOVES.move(from, to).set("title", "t").unchangedToast("body").at(lsn);
    }
}
