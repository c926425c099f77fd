package io.cdcfanout.service.pipeline;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import java.time.Instant;

/**
 * Where one rebuild of one table for one sink stands, as {@code /status} and {@code POST /sinks/{name}/rebuild}
 * show it.
 *
 * @param id            unique within the process, in request order
 * @param rowsCopied    chunk rows handed to the sink so far
 * @param rowsRejected  of those, the rows the sink refused, stored as dead letters (since this process started
 *                      the rebuild or resumed it)
 * @param rowsEstimated the planner's estimate of the table's rows when the copy began; -1 when unknown
 * @param resumedFromRows for a rebuild a restart resumed, the rows copied before it (not read again); else null
 * @param error         why it failed; null unless {@link Phase#FAILED}
 */
@JsonPropertyOrder({
    "id",
    "sink",
    "table",
    "phase",
    "rows_copied",
    "rows_rejected",
    "rows_estimated",
    "chunks",
    "chunk_size",
    "rows_per_second",
    "requested_at",
    "finished_at",
    "resumed_from_rows",
    "error"
})
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RebuildStatus(
        @JsonProperty("id") long id,
        @JsonProperty("sink") String sink,
        @JsonProperty("table") String table,
        @JsonProperty("phase") Phase phase,
        @JsonProperty("rows_copied") long rowsCopied,
        @JsonProperty("rows_rejected") long rowsRejected,
        @JsonProperty("rows_estimated") long rowsEstimated,
        @JsonProperty("chunks") long chunks,
        @JsonProperty("chunk_size") int chunkSize,
        @JsonProperty("rows_per_second") int rowsPerSecond,

        @JsonProperty("requested_at") @JsonSerialize(using = ToStringSerializer.class)
        Instant requestedAt,

        @JsonProperty("finished_at") @JsonSerialize(using = ToStringSerializer.class)
        Instant finishedAt,

        @JsonProperty("resumed_from_rows") Long resumedFromRows,
        @JsonProperty("error") String error) {

    /** The steps of a rebuild, in order; the last three are final. */
    public enum Phase {
        /** Waiting for the sink's earlier rebuilds (one at a time per sink). */
        QUEUED,
        /** Reading the table in chunks into the sink's new view while the stream keeps flowing. */
        COPYING,
        /** Every chunk is in; the new view replaces the old one. */
        SWAPPING,
        DONE,
        CANCELLED,
        FAILED;

        public boolean isFinal() {
            return this == DONE || this == CANCELLED || this == FAILED;
        }
    }
}
