package io.cdcfanout.service.source.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

class TransactionBatcherTest {

    private long offset;

    private TopicRecord record(TopicRecord.Kind kind, Long txId) {
        return new TopicRecord(offset++, new SourceRecord(Map.of(), Map.of(), "t", 0, null, null), kind, txId);
    }

    private static List<Long> offsets(TransactionBatcher.Batch batch) {
        return batch.records().stream().map(TopicRecord::offset).toList();
    }

    @Test
    void aTransactionIsHandedOverWholeOnceItsEndArrives() {
        TransactionBatcher batcher = new TransactionBatcher(100);
        batcher.add(record(TopicRecord.Kind.BEGIN, 7L));
        batcher.add(record(TopicRecord.Kind.CHANGE, 7L));
        assertThat(batcher.take()).as("the transaction has not ended").isNull();
        batcher.add(record(TopicRecord.Kind.CHANGE, 7L));
        batcher.add(record(TopicRecord.Kind.END, 7L));
        batcher.add(record(TopicRecord.Kind.BEGIN, 8L));
        batcher.add(record(TopicRecord.Kind.CHANGE, 8L));

        TransactionBatcher.Batch batch = batcher.take();
        assertThat(offsets(batch)).containsExactly(0L, 1L, 2L, 3L);
        assertThat(batch.resumeOffset()).as("after the END").isEqualTo(4);
        assertThat(batcher.waiting()).as("the next transaction waits").isEqualTo(2);
        assertThat(batcher.take()).isNull();
    }

    @Test
    void recordsOutsideATransactionAreBoundariesByThemselves() {
        TransactionBatcher batcher = new TransactionBatcher(100);
        batcher.add(record(TopicRecord.Kind.SNAPSHOT, null));
        batcher.add(record(TopicRecord.Kind.SNAPSHOT, null));
        batcher.add(record(TopicRecord.Kind.MESSAGE, 9L)); // a fence in a transaction of its own, without markers

        TransactionBatcher.Batch batch = batcher.take();
        assertThat(offsets(batch)).containsExactly(0L, 1L, 2L);
        assertThat(batch.resumeOffset()).isEqualTo(3);
    }

    @Test
    void aTransactionLargerThanABatchGoesInPartsThatStoreNoPosition() {
        TransactionBatcher batcher = new TransactionBatcher(3);
        batcher.add(record(TopicRecord.Kind.BEGIN, 7L));
        batcher.add(record(TopicRecord.Kind.CHANGE, 7L));
        assertThat(batcher.take()).isNull();
        batcher.add(record(TopicRecord.Kind.CHANGE, 7L));

        TransactionBatcher.Batch part = batcher.take();
        assertThat(offsets(part)).containsExactly(0L, 1L, 2L);
        assertThat(part.resumeOffset())
                .as("inside the transaction: nothing to store")
                .isEqualTo(-1);

        batcher.add(record(TopicRecord.Kind.CHANGE, 7L));
        batcher.add(record(TopicRecord.Kind.END, 7L));
        TransactionBatcher.Batch rest = batcher.take();
        assertThat(offsets(rest)).containsExactly(3L, 4L);
        assertThat(rest.resumeOffset()).isEqualTo(5);
    }

    @Test
    void aFenceInsideATransactionWaitsForItsEnd() {
        TransactionBatcher batcher = new TransactionBatcher(100);
        batcher.add(record(TopicRecord.Kind.BEGIN, 7L));
        batcher.add(record(TopicRecord.Kind.MESSAGE, 7L));
        assertThat(batcher.take()).isNull();
        batcher.add(record(TopicRecord.Kind.END, 7L));
        assertThat(batcher.take().resumeOffset()).isEqualTo(3);
    }
}
