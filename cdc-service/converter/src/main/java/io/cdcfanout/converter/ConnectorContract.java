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

    /**
     * The connector's {@code datatype.propagate.source.type}: the types whose Postgres type name the converter
     * needs to tell apart values that arrive alike: numeric text from other text, {@code bit(n)} from
     * {@code varbit} (both as bytes), and bytea from the text of types Debezium does not know (also bytes).
     */
    public static final String PROPAGATED_SOURCE_TYPES =
            ".+\\.numeric,.+\\.decimal,.+\\._numeric,.+\\.bit,.+\\.varbit,.+\\.bytea,.+\\._bytea";

    /**
     * The connector's {@code converters} entry for {@link io.cdcfanout.debezium.ArrayTextConverter}, which carries
     * the array types Debezium 3.6 drops ({@code interval[]}, {@code money[]}, {@code varbit[]}, {@code xml[]}) or
     * changes ({@code bit[]}, {@code time[]}) as their Postgres text; set with
     * {@code <name>.type=}{@link #ARRAY_CONVERTER_CLASS}.
     */
    public static final String ARRAY_CONVERTER_NAME = "cdcfanout_arrays";

    /** The class of {@link #ARRAY_CONVERTER_NAME}. */
    public static final String ARRAY_CONVERTER_CLASS = "io.cdcfanout.debezium.ArrayTextConverter";

    /** Prefix of the logical-decoding messages the service writes as read-your-writes fences. */
    public static final String FENCE_MESSAGE_PREFIX = "cdc_fanout_fence";

    private ConnectorContract() {}
}
