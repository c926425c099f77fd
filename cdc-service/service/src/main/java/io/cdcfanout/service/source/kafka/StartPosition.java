package io.cdcfanout.service.source.kafka;

import io.cdcfanout.service.engine.StartupException;
import java.util.OptionalLong;

/**
 * Where in the topic a sidecar begins, from its stored position and the offsets the partition still holds. Kafka
 * keeps records for a retention period, not until every reader has them (a slot would), so a stored position the
 * topic no longer holds means changes were deleted unread: that is refused, never skipped
 * ({@code auto.offset.reset=none}).
 *
 * <ul>
 *   <li>A stored position resumes there, if the partition still holds it ({@code earliest <= stored <= end}).</li>
 *   <li>A first start ({@code snapshot: initial}) begins at offset 0, the connector's snapshot, if still there.</li>
 *   <li>A first start with {@code snapshot: never} begins at the end: the changes committed from now on (a cache
 *       loads the rows itself).</li>
 * </ul>
 */
final class StartPosition {

    private StartPosition() {}

    /**
     * @param stored        the offset to resume at, as stored; empty on a first start
     * @param earliest      the partition's first offset still held
     * @param end           the offset the next record will get
     * @param snapshot      {@code source.snapshot}
     * @param topic         for messages
     * @param storeHint     how to delete the stored position, for messages
     * @throws StartupException when the topic no longer holds the records this sidecar needs
     */
    static long resolve(OptionalLong stored, long earliest, long end, String snapshot, String topic, String storeHint) {
        if (stored.isPresent()) {
            long position = stored.getAsLong();
            if (position < earliest) {
                throw new StartupException("the position of this sidecar (offset " + position + " of " + topic
                        + "-0) fell off the topic's retention: the earliest offset still held is " + earliest + ", so "
                        + (earliest - position) + " record(s) were deleted before this sidecar read them. Nothing was"
                        + " skipped. To rebuild: stop the sidecar, delete its derived state (its Elasticsearch indexes"
                        + " and history tables; a cache rebuilds itself), delete its position (" + storeHint
                        + ") and start it again with source.snapshot: never (from the topic's end, for sinks that load"
                        + " themselves) or after the connector re-snapshotted into a new topic (source.snapshot:"
                        + " initial); raise the topic's retention.ms above the longest outage a sidecar may have");
            }
            if (position > end) {
                throw new StartupException("the stored position of this sidecar (offset " + position + " of " + topic
                        + "-0) is beyond the topic's end (" + end + "): the topic was deleted and created again, or"
                        + " source.kafka.topic names another topic. Delete the position (" + storeHint
                        + ") and rebuild the sinks as for a first start");
            }
            return position;
        }
        if (snapshot.equals("never")) {
            return end;
        }
        if (earliest > 0) {
            throw new StartupException("first start with source.snapshot: initial needs the topic " + topic
                    + " from offset 0 (the connector's snapshot), but its earliest offset is " + earliest
                    + " (deleted by retention). Start with source.snapshot: never if every sink loads itself (a"
                    + " cache), or let the connector re-snapshot into a new topic");
        }
        return 0;
    }
}
