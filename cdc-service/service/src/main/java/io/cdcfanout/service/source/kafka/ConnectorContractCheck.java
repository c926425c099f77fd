package io.cdcfanout.service.source.kafka;

import io.cdcfanout.converter.ConnectorContract;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Set;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;

/**
 * Checks the topic's records against what the converter expects of the connector that wrote them (the
 * settings of {@code compose/connect/cdc-fanout-source.json}), so a connector configured otherwise stops the
 * sidecar with the setting to change instead of feeding the sinks wrong values:
 * <ul>
 *   <li>streamed changes carry transaction metadata ({@code provide.transaction.metadata=true}): without it
 *       batches cannot end at transaction boundaries and the sinks cannot order a transaction's changes;</li>
 *   <li>numeric columns arrive as exact text ({@code decimal.handling.mode=string}): {@code precise} turns NaN
 *       and infinities into NULL, {@code double} rounds;</li>
 *   <li>unchanged TOASTed values arrive as the converter's placeholder ({@code unavailable.value.placeholder}):
 *       Debezium's default placeholder would be stored as the column's value.</li>
 * </ul>
 * Each value schema is checked once (JsonConverter hands out the same schema object for the same schema); the
 * placeholder is looked for in every update. {@code skipped.operations} cannot be seen in records: a skipped
 * TRUNCATE simply never arrives.
 */
final class ConnectorContractCheck {

    /** Debezium's own {@code unavailable.value.placeholder}. */
    static final String DEBEZIUM_DEFAULT_PLACEHOLDER = "__debezium_unavailable_value";

    private static final byte[] DEFAULT_PLACEHOLDER_BYTES =
            DEBEZIUM_DEFAULT_PLACEHOLDER.getBytes(StandardCharsets.UTF_8);

    private static final String SOURCE_TYPE = "__debezium.source.column.type";

    private static final String SHIPPED = " in the Debezium connector's configuration (compose/connect/"
            + "cdc-fanout-source.json ships it so); the records already written stay as they are, so let the fixed"
            + " connector write a new topic (a new topic.prefix or slot, snapshot.mode=initial) and point source.kafka.topic"
            + " at it";

    private final String topic;
    private final Set<Schema> checkedSchemas = Collections.newSetFromMap(new IdentityHashMap<>());

    ConnectorContractCheck(String topic) {
        this.topic = topic;
    }

    /** @throws ConnectorContractException naming the connector setting that produced {@code record} */
    void check(TopicRecord record) {
        if (record.kind() != TopicRecord.Kind.CHANGE && record.kind() != TopicRecord.Kind.SNAPSHOT) {
            return;
        }
        Struct value = (Struct) record.record().value();
        String where = "record at offset " + record.offset() + " of topic " + topic;
        if (record.kind() == TopicRecord.Kind.CHANGE
                && (value.schema().field("transaction") == null || value.getStruct("transaction") == null)) {
            throw new ConnectorContractException(
                    where + " carries no transaction metadata: set" + " provide.transaction.metadata=true" + SHIPPED);
        }
        if (checkedSchemas.add(value.schema())) {
            for (String image : new String[] {"before", "after"}) {
                Field field = value.schema().field(image);
                if (field != null) {
                    checkColumns(field.schema(), where);
                }
            }
        }
        if ("u".equals(value.getString("op")) && value.schema().field("after") != null) {
            Struct after = value.getStruct("after");
            if (after != null) {
                checkPlaceholder(after, where);
            }
        }
    }

    private static void checkColumns(Schema row, String where) {
        for (Field column : row.fields()) {
            Schema schema = column.schema();
            String logical = schema.name();
            if ("org.apache.kafka.connect.data.Decimal".equals(logical)
                    || "io.debezium.data.VariableScaleDecimal".equals(logical)) {
                throw new ConnectorContractException(where + ": column " + column.name()
                        + " arrives as a binary decimal (decimal.handling.mode=precise, Debezium's default, which"
                        + " turns NaN and infinities into NULL): set decimal.handling.mode=string" + SHIPPED);
            }
            String sourceType =
                    schema.parameters() == null ? null : schema.parameters().get(SOURCE_TYPE);
            if (schema.type() == Schema.Type.FLOAT64
                    && sourceType != null
                    && Set.of("numeric", "decimal").contains(sourceType.toLowerCase(Locale.ROOT))) {
                throw new ConnectorContractException(where + ": numeric column " + column.name()
                        + " arrives as a double (decimal.handling.mode=double, which rounds): set"
                        + " decimal.handling.mode=string" + SHIPPED);
            }
        }
    }

    private static void checkPlaceholder(Struct after, String where) {
        for (Field column : after.schema().fields()) {
            Object raw = after.getWithoutDefault(column.name());
            if (isDefaultPlaceholder(raw)) {
                throw new ConnectorContractException(where + ": column " + column.name() + " holds Debezium's default"
                        + " placeholder for an unchanged TOASTed value (" + DEBEZIUM_DEFAULT_PLACEHOLDER
                        + "), which would be stored as its value: set unavailable.value.placeholder="
                        + ConnectorContract.UNCHANGED_TOAST_PLACEHOLDER + SHIPPED);
            }
        }
    }

    private static boolean isDefaultPlaceholder(Object raw) {
        if (raw instanceof String s) {
            return s.equals(DEBEZIUM_DEFAULT_PLACEHOLDER);
        }
        if (raw instanceof byte[] bytes) {
            return Arrays.equals(bytes, DEFAULT_PLACEHOLDER_BYTES);
        }
        if (raw instanceof ByteBuffer buffer) {
            return ByteBuffer.wrap(DEFAULT_PLACEHOLDER_BYTES).equals(buffer);
        }
        if (raw instanceof java.util.List<?> list) {
            return list.size() == 1 && isDefaultPlaceholder(list.get(0));
        }
        return false;
    }
}
