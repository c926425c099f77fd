package io.cdcfanout.service.pipeline;

import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.Lsn;
import java.util.List;
import java.util.Objects;

/**
 * One batch from the source, decoded: what the {@link Pipeline} fans out to the sinks.
 *
 * @param events      the batch's data changes in commit order, with the column policy applied
 * @param endLsn      the newest WAL position of any record in the batch (data change or not), {@link Lsn#ZERO}
 *                    when none carries one
 * @param undecodable dead letters of records that could not be decoded; stored before the batch is acknowledged
 * @param recordCount how many records the source delivered, decoded or not; a count of at least the pipeline's
 *                    backlog size means the source is draining a backlog
 */
public record DecodedBatch(List<ChangeEvent> events, Lsn endLsn, List<DeadLetter> undecodable, int recordCount) {

    public DecodedBatch {
        events = List.copyOf(events);
        Objects.requireNonNull(endLsn, "endLsn");
        undecodable = List.copyOf(undecodable);
    }
}
