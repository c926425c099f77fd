package io.cdcfanout.connect;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * Per partition, the offset up to which every record has been applied by every sink (the next offset to read,
 * as Kafka commits it). Only {@link CdcFanoutSinkTask#put} adds to it, after its records are applied, so what
 * {@link #committable} returns is always durable. Keyed by the records' original topic and partition (before any
 * transformation renamed them), which is what Connect commits.
 *
 * <p>Not thread-safe; Connect calls a task's {@code put}, {@code preCommit} and {@code close} from one thread.
 */
final class AppliedOffsets {

    private final Map<TopicPartition, Long> next = new HashMap<>();

    /** Marks these records applied: their partitions may commit past them. */
    void applied(Collection<SinkRecord> records) {
        for (SinkRecord record : records) {
            TopicPartition partition = new TopicPartition(record.originalTopic(), record.originalKafkaPartition());
            next.merge(partition, record.originalKafkaOffset() + 1, Math::max);
        }
    }

    /**
     * The offsets to commit: for each partition Connect offers that has applied records, the lower of Connect's
     * offset and the applied one. Partitions without applied records are left out, so nothing is committed for
     * them.
     *
     * @param offered the offsets Connect would commit ({@code preCommit}'s argument)
     */
    Map<TopicPartition, OffsetAndMetadata> committable(Map<TopicPartition, OffsetAndMetadata> offered) {
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        offered.forEach((partition, offset) -> {
            Long applied = next.get(partition);
            if (applied != null) {
                out.put(
                        partition,
                        applied < offset.offset() ? new OffsetAndMetadata(applied, offset.metadata()) : offset);
            }
        });
        return out;
    }

    /** Forgets partitions the task no longer owns (another task starts them from the committed offsets). */
    void forget(Collection<TopicPartition> partitions) {
        partitions.forEach(next::remove);
    }
}
