package io.cdcfanout.service.http;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import io.cdcfanout.schema.Lsn;

/**
 * The source side of {@code /status}, as served.
 *
 * @param streaming             true while the engine streams (or snapshots) from the slot
 * @param receivedLsn           the newest source position handed to the sinks; null before the pipeline exists
 * @param slotConfirmedFlushLsn the slot's {@code confirmed_flush_lsn} at the last poll; null before the first
 * @param slotLagBytes          WAL the slot retains beyond what every sink confirmed; -1 before the first poll
 */
@JsonPropertyOrder({"slot", "publication", "streaming", "received_lsn", "slot_confirmed_flush_lsn", "slot_lag_bytes"})
public record SourceStatus(
        @JsonProperty("slot") String slot,
        @JsonProperty("publication") String publication,
        @JsonProperty("streaming") boolean streaming,

        @JsonProperty("received_lsn") @JsonSerialize(using = ToStringSerializer.class)
        Lsn receivedLsn,

        @JsonProperty("slot_confirmed_flush_lsn") @JsonSerialize(using = ToStringSerializer.class)
        Lsn slotConfirmedFlushLsn,

        @JsonProperty("slot_lag_bytes") long slotLagBytes) {}
