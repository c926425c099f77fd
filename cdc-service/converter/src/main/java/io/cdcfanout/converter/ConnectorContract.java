package io.cdcfanout.converter;

/**
 * What {@link RecordConverter} expects of the Debezium Postgres connector that produced its records,
 * whether it runs embedded in the service or in a Kafka Connect worker.
 */
public final class ConnectorContract {

    /**
     * The connector's {@code unavailable.value.placeholder}: what it writes for a TOASTed value the change
     * did not touch. Never a real value; the converter turns it into an unknown column.
     */
    public static final String UNCHANGED_TOAST_PLACEHOLDER = "__cdc_fanout_unchanged_toast__";

    /** Prefix of the logical-decoding messages the service writes as read-your-writes fences. */
    public static final String FENCE_MESSAGE_PREFIX = "cdc_fanout_fence";

    private ConnectorContract() {
    }
}
