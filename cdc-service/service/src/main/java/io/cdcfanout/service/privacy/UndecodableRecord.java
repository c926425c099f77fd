package io.cdcfanout.service.privacy;

import io.cdcfanout.converter.RecordConverter;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.Row;
import io.cdcfanout.schema.TableId;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * A record the converter could not decode, as far as it may be kept: what a dead letter of it holds.
 *
 * <p>Contract: the {@link ColumnPolicy} applies here as to every decoded change. The row image (the record's
 * {@code after}, else its {@code before}) is read field by field, undecoded (text, numbers and bytes as they
 * came, anything else as its text), and the table's rules are applied to it: excluded columns are dropped,
 * masked ones hashed. The reason is the error's text with every raw value of an excluded or masked column
 * replaced by {@code <column withheld>}. When the record names no table that can be identified or has no
 * row image, its whole value is kept as text ({@code record}) only if no rules could apply to it; otherwise
 * only its key, position and the error's type are kept. Never throws for a malformed record.
 *
 * @param table     {@code schema.table} from the record's source block, else the topic it was published to
 * @param key       the record's key as text ({@code "null"} when it has none); key columns carry no rules
 * @param lsn       the record's WAL position, {@link Lsn#ZERO} when it carries none
 * @param txId      the source transaction id, 0 when unknown
 * @param operation the operation the record says it is ({@code c}, {@code u}, {@code d}, {@code r}), or {@code UNKNOWN}
 * @param reason    why it could not be decoded, with the rules applied
 * @param image     the row image with the rules applied, null when there is none to keep
 */
public record UndecodableRecord(
        String table, String key, Lsn lsn, long txId, String operation, String reason, Row image) {

    private static final String PREFIX = "cannot decode the change: ";

    /** What may be kept of {@code record}, which the converter refused with {@code error}. */
    public static UndecodableRecord of(SourceRecord record, ColumnPolicy policy, Throwable error) {
        Lsn lsn = RecordConverter.positionOf(record).orElse(Lsn.ZERO);
        String key = String.valueOf(record.key());
        String table = record.topic();
        TableId tableId = null;
        long txId = 0;
        String operation = "UNKNOWN";
        Row before = null;
        Row after = null;
        if (record.value() instanceof Struct value) {
            try {
                if (value.schema().field("source") != null && value.getStruct("source") != null) {
                    Struct source = value.getStruct("source");
                    table = source.getString("schema") + "." + source.getString("table");
                    txId = source.getInt64("txId") == null ? 0 : source.getInt64("txId");
                    tableId = new TableId(source.getString("schema"), source.getString("table"));
                }
            } catch (RuntimeException malformed) {
                // a source block without the usual fields: the topic still says where the record came from
            }
            operation = field(value, "op");
            before = rawImage(value, "before");
            after = rawImage(value, "after");
        }
        boolean guarded = tableId == null ? !policy.isEmpty() : policy.hasRules(tableId);
        if (!guarded) {
            Row image = after != null ? after : before;
            if (image == null) {
                image = Row.builder()
                        .put("record", String.valueOf(record.value()))
                        .build();
            }
            return new UndecodableRecord(table, key, lsn, txId, operation, PREFIX + error, image);
        }
        if (tableId == null) {
            return new UndecodableRecord(
                    table,
                    key,
                    lsn,
                    txId,
                    operation,
                    PREFIX + error.getClass().getName() + " (message withheld: column rules may apply)",
                    null);
        }
        Row image = after != null ? after : before;
        return new UndecodableRecord(
                table,
                key,
                lsn,
                txId,
                operation,
                withheld(PREFIX + error, policy.protectedColumns(tableId), before, after),
                image == null ? null : policy.apply(tableId, image));
    }

    private static String field(Struct value, String name) {
        try {
            return value.schema().field(name) != null && value.get(name) instanceof String s ? s : "UNKNOWN";
        } catch (RuntimeException malformed) {
            return "UNKNOWN";
        }
    }

    /** The named image of a change record, field by field and undecoded; null when there is none or it is malformed. */
    private static Row rawImage(Struct value, String name) {
        try {
            if (value.schema().field(name) == null || !(value.get(name) instanceof Struct image)) {
                return null;
            }
            Row.Builder row = Row.builder();
            for (Field field : image.schema().fields()) {
                row.put(field.name(), plain(image.getWithoutDefault(field.name())));
            }
            return row.build();
        } catch (RuntimeException malformed) {
            return null;
        }
    }

    /** A raw Connect value as a value {@link Row} documents: text, numbers, booleans and bytes as they are, else text. */
    private static Object plain(Object raw) {
        if (raw == null
                || raw instanceof String
                || raw instanceof Boolean
                || raw instanceof Long
                || raw instanceof Double
                || raw instanceof Float
                || raw instanceof BigDecimal
                || raw instanceof byte[]) {
            return raw;
        }
        if (raw instanceof Integer || raw instanceof Short || raw instanceof Byte) {
            return ((Number) raw).longValue();
        }
        if (raw instanceof ByteBuffer buffer) {
            byte[] bytes = new byte[buffer.remaining()];
            buffer.duplicate().get(bytes);
            return bytes;
        }
        return String.valueOf(raw);
    }

    /** {@code text} with each raw value of a protected column (in either image) replaced by a note. */
    private static String withheld(String text, Set<String> protectedColumns, Row before, Row after) {
        List<String[]> values = new ArrayList<>();
        for (Row image : new Row[] {before, after}) {
            if (image == null) {
                continue;
            }
            for (String column : protectedColumns) {
                Object value = image.get(column);
                if (value != null && !(value instanceof byte[])) {
                    values.add(new String[] {String.valueOf(value), "<" + column + " withheld>"});
                }
            }
        }
        values.sort(
                (a, b) -> Integer.compare(b[0].length(), a[0].length())); // longest first: a value may contain another
        String out = text;
        for (String[] value : values) {
            if (!value[0].isEmpty()) {
                out = out.replace(value[0], value[1]);
            }
        }
        return out;
    }
}
