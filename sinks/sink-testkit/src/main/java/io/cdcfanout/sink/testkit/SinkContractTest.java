package io.cdcfanout.sink.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.Row;
import io.cdcfanout.schema.RowKey;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.ApplyResult;
import io.cdcfanout.sink.ChangeBatch;
import io.cdcfanout.sink.Rejection;
import io.cdcfanout.sink.Sink;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link Sink#apply}, as tests every sink must pass. Whatever the backend, after the
 * changes of a row have been applied in any order and any number of times, the sink holds what the
 * source's newest change of that row says:
 * <ul>
 *   <li><b>idempotent</b>: a replayed batch changes nothing, also after newer batches;</li>
 *   <li><b>order-safe</b>: a change older (by LSN) than what the sink holds for a row does not overwrite it,
 *       and a stale insert replayed after a delete does not bring the row back;</li>
 *   <li><b>unchanged TOAST columns</b> (unknown in the change, {@link Row#unchangedToastColumns()}) are never
 *       stored as a placeholder or left out: the previous value is kept, or, where the sink cannot know it,
 *       the row is not stored (the change may come back as a {@link Rejection});</li>
 *   <li><b>TRUNCATE</b> removes the table's rows, and a replayed change from before it does not bring them back;</li>
 *   <li><b>snapshot rows</b> ({@code SNAPSHOT}, LSN 0/0) are stored, and lose against every streamed change;</li>
 *   <li>an <b>empty batch</b> changes nothing.</li>
 * </ul>
 *
 * <p>The table is {@link #TABLE}: key column {@code id} (bigint) and text columns {@code name} and
 * {@code body} (the TOASTed one). A subclass gives the sink under test and a way to read what it holds:
 * <ul>
 *   <li>{@link #newSink()}: a new sink fed {@link #TABLE}, not started, over an empty backend state (a fresh
 *       database, index, cache); called once per test, then started with {@link Sink#start()} and closed after;</li>
 *   <li>{@link #readLive}: the row image the sink holds for a key, empty when it holds none or only a deletion;</li>
 *   <li>{@link #storedVersions} (optional): how many versions or writes the sink keeps for a key, for sinks
 *       that keep more than the latest image, so the tests can show that a replay adds none.</li>
 * </ul>
 * Changes are built with {@link ChangeEvents}: a streamed change at LSN {@code n} is transaction {@code 1000 + n}.
 *
 * <p>The cases are public so that a sink which by design departs from one can override it, marked
 * {@code @Disabled} with the reason, where everyone sees it; never by leaving it out.
 */
public abstract class SinkContractTest {

    public static final TableId TABLE = TableId.parse("public.contract_items");
    public static final String KEY_COLUMN = "id";
    /** Stands for a TOASTed value: stored out of line in Postgres, so an update that leaves it alone does not send it. */
    protected static final String BIG_BODY = "toasted ".repeat(1_500);

    protected final ChangeEvents changes = new ChangeEvents(TABLE, KEY_COLUMN);
    private Sink sink;

    /** A new, unstarted sink fed {@link #TABLE}, over empty backend state. */
    protected abstract Sink newSink() throws Exception;

    /**
     * The row image the sink holds for the key, as a JSON object of column to value (without any metadata
     * of the sink's own); empty when it holds no row or a deletion.
     */
    protected abstract Optional<JsonNode> readLive(TableId table, RowKey key) throws Exception;

    /** How many versions or writes the sink keeps for the key; empty (the default) when it keeps only the latest. */
    protected OptionalLong storedVersions(TableId table, RowKey key) throws Exception {
        return OptionalLong.empty();
    }

    /** The started sink of the current test. */
    protected final Sink sink() {
        return sink;
    }

    @BeforeEach
    void startSinkUnderTest() throws Exception {
        sink = newSink();
        sink.start();
    }

    @AfterEach
    void closeSinkUnderTest() {
        if (sink != null) {
            sink.close();
        }
    }

    // ---------------------------------------------------------------- the contract

    @Test
    public void aReplayedBatchIsANoOp() throws Exception {
        ChangeBatch first = ChangeEvents.batch(
                changes.insert(1).set("name", "apple").set("body", BIG_BODY).at(100),
                changes.insert(2).set("name", "pear").set("body", "b").at(101),
                changes.update(1).set("name", "apple v2").set("body", BIG_BODY).at(102),
                changes.delete(2).at(103),
                changes.insert(3).set("name", "plum").set("body", "c").at(104));
        ChangeBatch second = ChangeEvents.batch(
                changes.update(3).set("name", "plum v2").set("body", "c").at(200));
        applyWithoutRejections(first);
        applyWithoutRejections(second);
        Map<Object, Object> held = state(1, 2, 3);

        applyWithoutRejections(second);
        applyWithoutRejections(first);

        assertThat(state(1, 2, 3)).isEqualTo(held);
        assertLive(1, row(1, "apple v2", BIG_BODY));
        assertAbsent(2);
        assertLive(3, row(3, "plum v2", "c"));
    }

    @Test
    public void anOlderChangeAppliedAfterANewerOneDoesNotOverwriteIt() throws Exception {
        applyWithoutRejections(
                changes.insert(1).set("name", "first").set("body", "a").at(100));
        applyWithoutRejections(
                changes.update(1).set("name", "newest").set("body", "c").at(300));
        Map<Object, Object> held = state(1);

        applyWithoutRejections(
                changes.update(1).set("name", "older").set("body", "b").at(200));

        assertLive(1, row(1, "newest", "c"));
        assertThat(state(1)).isEqualTo(held);
    }

    @Test
    public void aDeleteThenAStaleInsertStaysDeleted() throws Exception {
        ChangeEvent insert =
                changes.insert(1).set("name", "apple").set("body", "a").at(100);
        applyWithoutRejections(insert);
        applyWithoutRejections(changes.delete(1).at(200));

        applyWithoutRejections(insert);
        applyWithoutRejections(
                changes.update(1).set("name", "apple v2").set("body", "a").at(150));

        assertAbsent(1);
    }

    @Test
    public void anUnchangedToastColumnKeepsItsPreviousValue() throws Exception {
        applyWithoutRejections(
                changes.insert(1).set("name", "book").set("body", BIG_BODY).at(100));

        applyWithoutRejections(
                changes.update(1).set("name", "book II").unchangedToast("body").at(200));
        // and within one batch: the previous value is in an earlier change of the same batch
        applyWithoutRejections(
                changes.insert(2)
                        .set("name", "tome")
                        .set("body", BIG_BODY + "2")
                        .at(300),
                changes.update(2).set("name", "tome II").unchangedToast("body").at(301));

        assertLive(1, row(1, "book II", BIG_BODY));
        assertLive(2, row(2, "tome II", BIG_BODY + "2"));
    }

    @Test
    public void anUnchangedToastColumnTheSinkCannotKnowIsNeverStoredWrong() throws Exception {
        ChangeEvent update =
                changes.update(9).set("name", "ghost").unchangedToast("body").at(100);

        ApplyResult result = sink.apply(ChangeEvents.batch(update));

        assertThat(result.rejections())
                .extracting(Rejection::event)
                .allSatisfy(e -> assertThat(e).isEqualTo(update));
        assertThat(readLive(TABLE, changes.key(9)))
                .as("a row without its unchanged TOAST column, or with a placeholder for it, would be wrong; "
                        + "the sink must keep no row (and may reject the change)")
                .isEmpty();
    }

    @Test
    public void truncateRemovesTheTablesRowsAndAReplayedOlderChangeDoesNotBringThemBack() throws Exception {
        ChangeEvent insert1 =
                changes.insert(1).set("name", "apple").set("body", "a").at(100);
        applyWithoutRejections(
                insert1, changes.insert(2).set("name", "pear").set("body", "b").at(101));
        ChangeBatch truncateBatch = ChangeEvents.batch(
                changes.truncate(200),
                changes.insert(3).set("name", "plum").set("body", "c").at(300));

        applyWithoutRejections(truncateBatch);
        assertAbsent(1);
        assertAbsent(2);
        assertLive(3, row(3, "plum", "c"));

        applyWithoutRejections(truncateBatch);
        applyWithoutRejections(insert1);
        applyWithoutRejections(
                changes.update(2).set("name", "pear v2").set("body", "b").at(150));

        assertAbsent(1);
        assertAbsent(2);
        assertLive(3, row(3, "plum", "c"));
    }

    @Test
    public void snapshotRowsAreStored() throws Exception {
        takeSnapshot(
                changes.snapshot(1).set("name", "apple").set("body", BIG_BODY).read(),
                changes.snapshot(2).set("name", "pear").set("body", "b").read());

        assertLive(1, row(1, "apple", BIG_BODY));
        assertLive(2, row(2, "pear", "b"));
    }

    @Test
    public void snapshotRowsLoseAgainstStreamedChanges() throws Exception {
        applyWithoutRejections(
                changes.update(1).set("name", "streamed").set("body", "a").at(100),
                changes.delete(2).at(101));

        applyWithoutRejections(
                changes.snapshot(1).set("name", "snapshot").set("body", "old").read(),
                changes.snapshot(2).set("name", "snapshot").set("body", "old").read());
        applyWithoutRejections(
                changes.snapshot(3).set("name", "snapshot").set("body", "old").read());
        applyWithoutRejections(
                changes.update(3).set("name", "streamed").set("body", "new").at(200));

        assertLive(1, row(1, "streamed", "a"));
        assertAbsent(2);
        assertLive(3, row(3, "streamed", "new"));
    }

    @Test
    public void anEmptyBatchChangesNothing() throws Exception {
        applyWithoutRejections(
                changes.insert(1).set("name", "apple").set("body", "a").at(100),
                changes.insert(2).set("name", "pear").set("body", "b").at(101),
                changes.delete(2).at(102));
        Map<Object, Object> held = state(1, 2);

        ApplyResult result = sink.apply(new ChangeBatch(List.of(), new Lsn(500)));

        assertThat(result.rejections()).isEmpty();
        assertThat(state(1, 2)).isEqualTo(held);
        assertLive(1, row(1, "apple", "a"));
        assertAbsent(2);
    }

    // ---------------------------------------------------------------- helpers

    /** A complete row image of {@link #TABLE}. */
    protected static Row row(long id, String name, String body) {
        return Row.builder()
                .put(KEY_COLUMN, id)
                .put("name", name)
                .put("body", body)
                .build();
    }

    /**
     * Brings {@code snapshotRows} into the sink the way a snapshot reaches it: by default as the engine's
     * {@code SNAPSHOT} events in one batch. A sink that reads its snapshot itself overrides it.
     */
    protected void takeSnapshot(ChangeEvent... snapshotRows) throws Exception {
        applyWithoutRejections(snapshotRows);
    }

    protected final void applyWithoutRejections(ChangeEvent... events) throws Exception {
        applyWithoutRejections(ChangeEvents.batch(events));
    }

    protected final void applyWithoutRejections(ChangeBatch batch) throws Exception {
        assertThat(sink.apply(batch).rejections())
                .as("rejections of %s", batch.events())
                .isEmpty();
    }

    protected final void assertLive(long id, Row expected) throws Exception {
        Optional<JsonNode> held = readLive(TABLE, changes.key(id));
        assertThat(held).as("row %s", id).isPresent();
        assertThat(comparable(held.get())).as("row %s", id).isEqualTo(comparable(expected));
    }

    protected final void assertAbsent(long id) throws Exception {
        assertThat(readLive(TABLE, changes.key(id))).as("row %s", id).isEmpty();
    }

    /** What the sink holds for the keys: each key's row (comparable form) and, if the sink keeps them, its version count. */
    private Map<Object, Object> state(long... ids) throws Exception {
        Map<Object, Object> state = new LinkedHashMap<>();
        for (long id : ids) {
            RowKey key = changes.key(id);
            state.put(id, readLive(TABLE, key).map(SinkContractTest::comparable));
            OptionalLong versions = storedVersions(TABLE, key);
            if (versions.isPresent()) {
                state.put(id + " versions", versions.getAsLong());
            }
        }
        return state;
    }

    /** Column to value as text: backends give numbers back as other JSON number types than they were written with. */
    private static Map<String, String> comparable(JsonNode image) {
        Map<String, String> columns = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = image.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            columns.put(
                    field.getKey(),
                    field.getValue().isNull() ? null : field.getValue().asText());
        }
        return columns;
    }

    private static Map<String, String> comparable(Row row) {
        Map<String, String> columns = new TreeMap<>();
        row.values().forEach((column, value) -> columns.put(column, value == null ? null : String.valueOf(value)));
        return columns;
    }
}
