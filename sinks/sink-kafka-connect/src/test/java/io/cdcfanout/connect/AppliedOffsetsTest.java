package io.cdcfanout.connect;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;

class AppliedOffsetsTest {

    private static final TopicPartition P0 = new TopicPartition("cdc.public.orders", 0);
    private static final TopicPartition P1 = new TopicPartition("cdc.public.orders", 1);

    private final AppliedOffsets offsets = new AppliedOffsets();

    private static SinkRecord record(TopicPartition partition, long offset) {
        return new SinkRecord(partition.topic(), partition.partition(), null, null, null, null, offset);
    }

    @Test
    void nothingIsCommittableBeforeAnythingIsApplied() {
        assertThat(offsets.committable(Map.of(P0, new OffsetAndMetadata(120)))).isEmpty();
    }

    @Test
    void aPartitionCommitsTheOffsetAfterItsLastAppliedRecord() {
        offsets.applied(List.of(record(P0, 5), record(P0, 7), record(P1, 3), record(P0, 6)));

        assertThat(offsets.committable(Map.of(P0, new OffsetAndMetadata(8), P1, new OffsetAndMetadata(4))))
                .containsExactlyInAnyOrderEntriesOf(Map.of(P0, new OffsetAndMetadata(8), P1, new OffsetAndMetadata(4)));
    }

    @Test
    void connectsOfferBeyondWhatWasAppliedIsCutBackToTheAppliedOffset() {
        offsets.applied(List.of(record(P0, 9)));

        Map<TopicPartition, OffsetAndMetadata> committable =
                offsets.committable(Map.of(P0, new OffsetAndMetadata(500, "m"), P1, new OffsetAndMetadata(44)));

        assertThat(committable).containsExactly(Map.entry(P0, new OffsetAndMetadata(10, "m")));
    }

    @Test
    void anOfferBelowTheAppliedOffsetIsKept() {
        offsets.applied(List.of(record(P0, 9)));

        assertThat(offsets.committable(Map.of(P0, new OffsetAndMetadata(3))))
                .containsExactly(Map.entry(P0, new OffsetAndMetadata(3)));
    }

    @Test
    void theAppliedOffsetNeverGoesBackWhenOlderRecordsComeAgain() {
        offsets.applied(List.of(record(P0, 20)));
        offsets.applied(List.of(record(P0, 11))); // a redelivery after a rewind

        assertThat(offsets.committable(Map.of(P0, new OffsetAndMetadata(21))))
                .containsExactly(Map.entry(P0, new OffsetAndMetadata(21)));
    }

    @Test
    void aRevokedPartitionIsForgotten() {
        offsets.applied(List.of(record(P0, 1), record(P1, 1)));

        offsets.forget(List.of(P0));

        assertThat(offsets.committable(Map.of(P0, new OffsetAndMetadata(2), P1, new OffsetAndMetadata(2))))
                .containsOnlyKeys(P1);
    }

    @Test
    void offsetsAreKeptUnderTheOriginalTopicWhenATransformRenamedIt() {
        SinkRecord original = record(P0, 41);
        SinkRecord renamed =
                original.newRecord("renamed", 3, null, null, null, null, original.timestamp(), original.headers());

        offsets.applied(List.of(renamed));

        assertThat(offsets.committable(Map.of(P0, new OffsetAndMetadata(42))))
                .containsExactly(Map.entry(P0, new OffsetAndMetadata(42)));
    }
}
