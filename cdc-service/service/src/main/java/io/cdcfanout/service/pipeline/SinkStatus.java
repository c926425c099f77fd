package io.cdcfanout.service.pipeline;

import io.cdcfanout.schema.Lsn;
import java.time.Instant;

/**
 * A point-in-time view of one sink's lane, served at {@code /status}.
 *
 * @param lastAppliedLsn     the source position up to which this sink has applied every change
 * @param lastCommitTime     commit time of the newest change applied, null before the first
 * @param lagMillis          how far the sink is behind the source: 0 when it has applied every change handed to it,
 *                           else the milliseconds from the commit of the oldest change handed to it and not yet
 *                           applied until now
 * @param lastError          the last transient error while retrying, null when none
 */
public record SinkStatus(
        String name,
        String type,
        SinkState state,
        Lsn lastAppliedLsn,
        Instant lastCommitTime,
        long lagMillis,
        long applied,
        long rejected,
        long retries,
        String lastError) {}
