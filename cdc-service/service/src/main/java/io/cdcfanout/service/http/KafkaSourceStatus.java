package io.cdcfanout.service.http;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * With {@code source.kafka}, where this sidecar is in the topic, as served under {@code source.kafka} of
 * {@code /status}. Offsets are -1 until known (the stored one before the first acknowledged batch, the next and end
 * ones before the first poll).
 *
 * @param storedOffset the position stored after the last batch every sink applied: where a restart resumes
 * @param nextOffset   the offset of the next record the source will read
 * @param endOffset    the topic's end offset (its log end for {@code read_committed}) at the last poll
 * @param lagRecords   records in the topic not yet applied by every sink ({@code endOffset - storedOffset}); -1 until
 *                     both are known
 */
@JsonPropertyOrder({"topic", "partition", "instance", "stored_offset", "next_offset", "end_offset", "lag_records"})
public record KafkaSourceStatus(
        @JsonProperty("topic") String topic,
        @JsonProperty("partition") int partition,
        @JsonProperty("instance") String instance,
        @JsonProperty("stored_offset") long storedOffset,
        @JsonProperty("next_offset") long nextOffset,
        @JsonProperty("end_offset") long endOffset,
        @JsonProperty("lag_records") long lagRecords) {

    /** The status from the three offsets, the lag derived from them. */
    public static KafkaSourceStatus of(
            String topic, int partition, String instance, long storedOffset, long nextOffset, long endOffset) {
        long lag = storedOffset < 0 || endOffset < 0 ? -1 : Math.max(0, endOffset - storedOffset);
        return new KafkaSourceStatus(topic, partition, instance, storedOffset, nextOffset, endOffset, lag);
    }
}
