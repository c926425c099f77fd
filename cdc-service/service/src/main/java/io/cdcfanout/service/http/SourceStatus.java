package io.cdcfanout.service.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import io.cdcfanout.schema.Lsn;

/**
 * The source side of {@code /status}, as served. With {@code source.postgres} the slot fields are served and
 * {@code kafka} is left out; with {@code source.kafka} it is the other way round (the sidecar has no slot). A
 * null slot field is left out, not served as null.
 *
 * @param slot                  this sidecar's replication slot; null (left out) with {@code source.kafka}
 * @param publication           the publication the slot reads; null (left out) with {@code source.kafka}
 * @param streaming             true while the engine streams (or snapshots) from the slot, or the topic is read
 * @param receivedLsn           the newest source position handed to the sinks; null before the pipeline exists
 * @param slotConfirmedFlushLsn the slot's {@code confirmed_flush_lsn} at the last poll; null (left out) before the first
 * @param slotLagBytes          WAL the slot retains beyond what every sink confirmed; -1 before the first poll, null
 *                              (left out) with {@code source.kafka}
 * @param kafka                 with {@code source.kafka}, the position in the topic; null (left out) otherwise
 */
@JsonPropertyOrder({
    "slot",
    "publication",
    "streaming",
    "received_lsn",
    "slot_confirmed_flush_lsn",
    "slot_lag_bytes",
    "kafka"
})
public record SourceStatus(
        @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("slot")
        String slot,

        @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("publication")
        String publication,

        @JsonProperty("streaming") boolean streaming,

        @JsonProperty("received_lsn") @JsonSerialize(using = ToStringSerializer.class)
        Lsn receivedLsn,

        @JsonInclude(JsonInclude.Include.NON_NULL)
        @JsonProperty("slot_confirmed_flush_lsn")
        @JsonSerialize(using = ToStringSerializer.class)
        Lsn slotConfirmedFlushLsn,

        @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("slot_lag_bytes")
        Long slotLagBytes,

        @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("kafka")
        KafkaSourceStatus kafka) {

    /** The status of a sidecar reading its own slot. */
    public static SourceStatus ofSlot(
            String slot,
            String publication,
            boolean streaming,
            Lsn receivedLsn,
            Lsn slotConfirmedFlushLsn,
            long slotLagBytes) {
        return new SourceStatus(slot, publication, streaming, receivedLsn, slotConfirmedFlushLsn, slotLagBytes, null);
    }

    /** The status of a sidecar reading the topic of a Connect-side Debezium connector. */
    public static SourceStatus ofTopic(boolean streaming, Lsn receivedLsn, KafkaSourceStatus kafka) {
        return new SourceStatus(null, null, streaming, receivedLsn, null, null, kafka);
    }
}
