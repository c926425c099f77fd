package io.cdcfanout.service.pipeline;

import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.Operation;
import io.cdcfanout.schema.Row;
import io.cdcfanout.schema.RowKey;
import io.cdcfanout.schema.SourcePosition;
import io.cdcfanout.schema.TableId;
import java.time.Instant;
import java.util.List;

/** Changes, batches and a never-connected dead-letter store for pipeline tests. */
final class TestChanges {

    static final TableId PRODUCTS = TableId.parse("public.products");

    private TestChanges() {}

    static ChangeEvent insert(long id, long lsn, Instant commitTime) {
        Row row = Row.builder().put("id", id).build();
        return new ChangeEvent(
                PRODUCTS,
                Operation.INSERT,
                RowKey.of(List.of("id"), row),
                null,
                row,
                new SourcePosition(new Lsn(lsn), 7, commitTime, 0));
    }

    /** A batch of {@code recordCount} records that carries no change (heartbeats, say), ending at {@code lsn}. */
    static DecodedBatch noChangesAt(long lsn, int recordCount) {
        return new DecodedBatch(List.of(), new Lsn(lsn), List.of(), recordCount);
    }

    /** A store for tests without dead letters: the pipeline must not write to it. */
    static DeadLetters unusedDeadLetters() {
        return new DeadLetters() {
            @Override
            public void write(List<DeadLetter> letters) {
                throw new AssertionError("no dead letters expected: " + letters);
            }

            @Override
            public void close() {}
        };
    }
}
