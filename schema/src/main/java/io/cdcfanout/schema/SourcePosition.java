package io.cdcfanout.schema;

import java.time.Instant;
import java.util.Comparator;
import java.util.Objects;

/**
 * Where a change stands in the source's log.
 *
 * @param lsn        WAL position of the change record; grows per row, shared by rows of one COPY. Snapshot
 *                   rows have {@code 0/0}: they are older than every streamed change (a transaction that wrote
 *                   before the snapshot point but committed after it streams with a smaller change LSN)
 * @param txId       Postgres transaction id (32-bit xid as decoded)
 * @param commitTime commit time of the transaction (snapshot rows: the snapshot's time)
 * @param sequence   order of the change within its transaction (1-based); with the LSN it identifies a change
 */
public record SourcePosition(Lsn lsn, long txId, Instant commitTime, long sequence)
        implements Comparable<SourcePosition> {

    private static final Comparator<SourcePosition> ORDER =
            Comparator.comparing(SourcePosition::lsn).thenComparingLong(SourcePosition::sequence);

    public SourcePosition {
        Objects.requireNonNull(lsn, "lsn");
        Objects.requireNonNull(commitTime, "commitTime");
    }

    @Override
    public int compareTo(SourcePosition other) {
        return ORDER.compare(this, other);
    }
}
