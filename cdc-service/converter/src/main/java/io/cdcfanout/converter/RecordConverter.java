package io.cdcfanout.converter;

import io.cdcfanout.debezium.ArrayTextConverter;
import io.cdcfanout.schema.CanonicalValues;
import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.KeyUpdate;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.Operation;
import io.cdcfanout.schema.PostgresArrayText;
import io.cdcfanout.schema.Row;
import io.cdcfanout.schema.RowKey;
import io.cdcfanout.schema.SourcePosition;
import io.cdcfanout.schema.TableId;
import io.debezium.connector.postgresql.PostgresValueConverter;
import io.debezium.data.VariableScaleDecimal;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.source.SourceRecord;
import org.postgresql.PGStatement;

/**
 * Turns Debezium's Postgres records into {@link ChangeEvent}s: {@link SourceRecord}s from the embedded engine
 * and, in a Kafka Connect sink, {@code SinkRecord}s read back from the topics (with {@code JsonConverter} and
 * {@code schemas.enable=true} they carry the same schemas and structs).
 *
 * <p>Only data-change records become events; heartbeats, transaction markers and fence messages carry
 * just a position ({@link #positionOf}). Values are mapped to the types {@link Row} documents, with
 * Debezium's logical types decoded (dates, times, exact decimals, json, uuid); an unchanged TOASTed value
 * arrives as {@link ConnectorContract#UNCHANGED_TOAST_PLACEHOLDER} and becomes an unknown column.
 *
 * <p>Not thread-safe: one converter per engine thread (it numbers snapshot rows).
 */
public final class RecordConverter {

    /** The epoch days Debezium sends for Postgres' {@code infinity} / {@code -infinity} dates. */
    private static final long POSITIVE_INFINITY_EPOCH_DAY =
            io.debezium.time.Date.toEpochDay(PostgresValueConverter.POSITIVE_INFINITY_LOCAL_DATE, null);

    private static final long NEGATIVE_INFINITY_EPOCH_DAY =
            io.debezium.time.Date.toEpochDay(PostgresValueConverter.NEGATIVE_INFINITY_LOCAL_DATE, null);

    /** Schema parameter with the column's Postgres type; see {@code datatype.propagate.source.type}. */
    private static final String SOURCE_TYPE = "__debezium.source.column.type";

    /** Header on the DELETE half of a primary-key update: the row's new key. */
    static final String NEW_KEY_HEADER = "__debezium.newkey";

    /** Header on the CREATE half of a primary-key update: the row's old key. */
    static final String OLD_KEY_HEADER = "__debezium.oldkey";

    private static final long NANOS_PER_DAY = TimeUnit.DAYS.toNanos(1);

    /**
     * Postgres' date and timestamp range (4713 BC to 5874897 AD, 294276 AD), with a margin. Debezium renders
     * infinity and -infinity inside date[] and timestamptz[] as instants far outside it (its arithmetic
     * overflows), which must not pass for real values.
     */
    private static final long MIN_POSTGRES_EPOCH_DAY = LocalDate.of(-4713, 1, 1).toEpochDay();

    private static final long MAX_POSTGRES_EPOCH_DAY =
            LocalDate.of(5_874_898, 1, 1).toEpochDay();
    private static final long MAX_POSTGRES_TIMESTAMP_SECOND =
            LocalDate.of(294_277, 1, 1).toEpochDay() * 86_400;
    private static final long MIN_POSTGRES_TIMESTAMP_SECOND = MIN_POSTGRES_EPOCH_DAY * 86_400;

    private static final byte[] PLACEHOLDER_BYTES =
            ConnectorContract.UNCHANGED_TOAST_PLACEHOLDER.getBytes(StandardCharsets.UTF_8);

    private long snapshotSequence;
    private TableId lastTable; // changes come in runs of one table; TableId checks its names on creation
    private final Map<TableId, List<String>> knownKeyColumns = new java.util.HashMap<>();

    /** The event for a data-change record, or empty for any other record. */
    public Optional<ChangeEvent> convert(ConnectRecord<?> record) {
        if (!(record.value() instanceof Struct value) || value.schema().field("op") == null) {
            return Optional.empty();
        }
        Operation op = operation(value.getString("op"));
        if (op == null) {
            return Optional.empty();
        }
        Struct source = value.getStruct("source");
        TableId table = table(source.getString("schema"), source.getString("table"));
        SourcePosition position = position(value, source, op);
        if (op == Operation.TRUNCATE) {
            return Optional.of(new ChangeEvent(table, op, null, null, null, position));
        }
        Row before = row(value.getStruct("before"));
        Row after = row(value.getStruct("after"));
        RowKey key = key(record, table, op == Operation.DELETE ? before : after);
        return Optional.of(new ChangeEvent(
                table, op, key, before, op == Operation.DELETE ? null : after, position, keyUpdate(record, op, key)));
    }

    /**
     * For the two records Debezium emits for an update of the primary key (a DELETE of the old key, then a
     * CREATE of the new one), the link between them: the DELETE names the new key in header
     * {@value #NEW_KEY_HEADER}, the CREATE the old key in {@value #OLD_KEY_HEADER}. Null for any other record.
     */
    private static KeyUpdate keyUpdate(ConnectRecord<?> record, Operation op, RowKey key) {
        if (op != Operation.DELETE && op != Operation.INSERT) {
            return null;
        }
        Header header = record.headers().lastWithName(op == Operation.DELETE ? NEW_KEY_HEADER : OLD_KEY_HEADER);
        if (header == null || !(header.value() instanceof Struct other)) {
            return null;
        }
        List<String> columns = new ArrayList<>();
        List<Object> values = new ArrayList<>();
        for (Field field : other.schema().fields()) {
            columns.add(field.name());
            values.add(value(field.schema(), other.getWithoutDefault(field.name())));
        }
        RowKey otherKey = new RowKey(columns, values);
        return op == Operation.DELETE ? new KeyUpdate(key, otherKey) : new KeyUpdate(otherKey, key);
    }

    private TableId table(String schema, String name) {
        TableId last = lastTable;
        if (last == null || !last.table().equals(name) || !last.schema().equals(schema)) {
            last = new TableId(schema, name);
            lastTable = last;
        }
        return last;
    }

    /**
     * The WAL position a record stands at: for a {@link SourceRecord} (any record type) from its source offset;
     * for any other record, such as a {@code SinkRecord} read from a topic, whose Kafka offset says nothing of
     * the WAL, from its value's {@code source.lsn} (empty for records without one: heartbeats, tombstones).
     */
    public static Optional<Lsn> positionOf(ConnectRecord<?> record) {
        Object lsn;
        if (record instanceof SourceRecord sourceRecord) {
            Map<String, ?> offset = sourceRecord.sourceOffset();
            lsn = offset == null ? null : offset.get("lsn");
        } else {
            lsn = sourceLsn(record.value());
        }
        return lsn instanceof Number n ? Optional.of(new Lsn(n.longValue())) : Optional.empty();
    }

    private static Object sourceLsn(Object value) {
        if (!(value instanceof Struct struct)) {
            return null;
        }
        Field source = struct.schema().field("source");
        if (source == null || source.schema().type() != Schema.Type.STRUCT) {
            return null;
        }
        Struct block = struct.getStruct("source");
        return block == null || block.schema().field("lsn") == null ? null : block.get("lsn");
    }

    /**
     * What the record tells of itself without decoding its values: its table, key, position and transaction.
     * Meant for a record {@link #convert} refused, so it reads only the parts any Debezium record has and
     * never throws for a malformed value.
     */
    public static RecordOrigin originOf(ConnectRecord<?> record) {
        String table = record.topic();
        long txId = 0;
        try {
            if (record.value() instanceof Struct value
                    && value.schema().field("source") != null
                    && value.getStruct("source") != null) {
                Struct source = value.getStruct("source");
                table = source.getString("schema") + "." + source.getString("table");
                txId = source.getInt64("txId") == null ? 0 : source.getInt64("txId");
            }
        } catch (RuntimeException malformed) {
            // a source block without the usual fields: the topic still says where the record came from
        }
        return new RecordOrigin(
                table,
                String.valueOf(record.key()),
                positionOf(record).orElse(Lsn.ZERO),
                txId,
                String.valueOf(record.value()));
    }

    private static Operation operation(String op) {
        return switch (op) {
            case "r" -> Operation.SNAPSHOT;
            case "c" -> Operation.INSERT;
            case "u" -> Operation.UPDATE;
            case "d" -> Operation.DELETE;
            case "t" -> Operation.TRUNCATE;
            default -> null;
        };
    }

    private SourcePosition position(Struct value, Struct source, Operation op) {
        Long lsn = source.getInt64("lsn");
        Long txId = source.getInt64("txId");
        Instant commitTime = commitTime(source);
        long sequence;
        Struct tx = value.schema().field("transaction") == null ? null : value.getStruct("transaction");
        if (tx != null && tx.getInt64("total_order") != null) {
            sequence = tx.getInt64("total_order");
        } else if (op == Operation.SNAPSHOT) {
            sequence = ++snapshotSequence;
        } else {
            sequence = 0;
        }
        // Snapshot rows are older than every streamed change: a transaction that wrote before the snapshot
        // point but committed after it streams with a change LSN below the snapshot's, and must still win.
        long version = op == Operation.SNAPSHOT || lsn == null ? 0 : lsn;
        return new SourcePosition(new Lsn(version), txId == null ? 0 : txId, commitTime, sequence);
    }

    private static Instant commitTime(Struct source) {
        if (source.schema().field("ts_us") != null && source.getInt64("ts_us") != null) {
            long micros = source.getInt64("ts_us");
            return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000), Math.floorMod(micros, 1_000_000) * 1000L);
        }
        return Instant.ofEpochMilli(source.getInt64("ts_ms"));
    }

    private RowKey key(ConnectRecord<?> record, TableId table, Row image) {
        if (record.key() instanceof Struct key) {
            List<String> columns = new ArrayList<>();
            List<Object> values = new ArrayList<>();
            for (Field field : key.schema().fields()) {
                columns.add(field.name());
                // The key's schema lacks the propagated source type that makes a numeric a BigDecimal and tells bytea
                // from an unknown type's text; the row image's column has it, so a key reads the same as the row's
                // column (and as a JDBC load reads it).
                if (image != null && image.has(field.name())) {
                    values.add(image.get(field.name()));
                } else if (field.schema().type() == Schema.Type.BYTES) {
                    values.add(byteArray(key.getWithoutDefault(field.name())));
                } else {
                    values.add(value(field.schema(), key.getWithoutDefault(field.name())));
                }
            }
            knownKeyColumns.put(table, List.copyOf(columns));
            return new RowKey(columns, values);
        }
        // Debezium reads a table's key from the catalog when a relation message arrives; if the table was
        // dropped (or its key removed) since the change was written, the change comes without a key. The
        // key columns it had when last seen still identify the row.
        List<String> known = knownKeyColumns.get(table);
        if (known != null && image != null && known.stream().allMatch(image::has)) {
            return new RowKey(known, known.stream().map(image::get).toList());
        }
        throw new IllegalStateException("change of " + record.topic() + " has no key: the table needs a primary key");
    }

    private Row row(Struct struct) {
        if (struct == null) {
            return null;
        }
        Row.Builder row = Row.builder();
        for (Field field : struct.schema().fields()) {
            // Not Struct.get: it hands out the schema's default (Debezium copies a column's DEFAULT there) for a NULL.
            Object raw = struct.getWithoutDefault(field.name());
            if (isUnchangedToast(raw)) {
                row.unchangedToast(field.name());
            } else {
                row.put(field.name(), value(field.schema(), raw));
            }
        }
        return row.build();
    }

    static boolean isUnchangedToast(Object raw) {
        if (raw instanceof String s) {
            return s.equals(ConnectorContract.UNCHANGED_TOAST_PLACEHOLDER);
        }
        if (raw instanceof byte[] bytes) {
            return Arrays.equals(bytes, PLACEHOLDER_BYTES);
        }
        if (raw instanceof ByteBuffer buffer) {
            return buffer.remaining() == PLACEHOLDER_BYTES.length
                    && ByteBuffer.wrap(PLACEHOLDER_BYTES).equals(buffer);
        }
        if (raw instanceof List<?> list) {
            return list.size() == 1 && isUnchangedToast(list.get(0));
        }
        return false;
    }

    /** One value, by its Connect schema and Debezium logical type name. */
    static Object value(Schema schema, Object raw) {
        if (raw == null) {
            return null;
        }
        String logical = schema.name();
        if (logical != null) {
            switch (logical) {
                case "org.apache.kafka.connect.data.Decimal" -> {
                    return raw;
                }
                case VariableScaleDecimal.LOGICAL_NAME -> {
                    var special = VariableScaleDecimal.toLogical((Struct) raw);
                    Optional<BigDecimal> decimal = special.getDecimalValue();
                    return decimal.isPresent() ? decimal.get() : special.toString();
                }
                case "io.debezium.time.Date" -> {
                    long day = ((Number) raw).longValue();
                    if (day == POSITIVE_INFINITY_EPOCH_DAY || day == NEGATIVE_INFINITY_EPOCH_DAY) {
                        return day == POSITIVE_INFINITY_EPOCH_DAY ? "infinity" : "-infinity";
                    }
                    if (day < MIN_POSTGRES_EPOCH_DAY || day > MAX_POSTGRES_EPOCH_DAY) {
                        throw new IllegalArgumentException(
                                "date " + LocalDate.ofEpochDay(day) + " is outside Postgres' range:"
                                        + " Debezium's rendering of infinity or -infinity inside a date[]");
                    }
                    return CanonicalValues.date(LocalDate.ofEpochDay(day));
                }
                case "io.debezium.time.Time" -> {
                    return CanonicalValues.time(timeOfDay(TimeUnit.MILLISECONDS.toNanos(((Number) raw).longValue())));
                }
                case "io.debezium.time.MicroTime" -> {
                    return CanonicalValues.time(timeOfDay(TimeUnit.MICROSECONDS.toNanos(((Number) raw).longValue())));
                }
                case "io.debezium.time.NanoTime" -> {
                    return CanonicalValues.time(timeOfDay(((Number) raw).longValue()));
                }
                case "io.debezium.time.Timestamp" -> {
                    return timestamp(((Number) raw).longValue(), 1_000L);
                }
                case "io.debezium.time.MicroTimestamp" -> {
                    return timestamp(((Number) raw).longValue(), 1_000_000L);
                }
                case "io.debezium.time.NanoTimestamp" -> {
                    return timestamp(((Number) raw).longValue(), 1_000_000_000L);
                }
                case "io.debezium.time.ZonedTimestamp" -> {
                    return zonedTimestamp(raw.toString());
                }
                case "io.debezium.time.ZonedTime" -> {
                    return CanonicalValues.timeTz(OffsetTime.parse(raw.toString()));
                }
                case "io.debezium.data.Json" -> {
                    return CanonicalValues.json(raw.toString());
                }
                case "io.debezium.data.Bits" -> {
                    return bits(schema, raw);
                }
                case ArrayTextConverter.LOGICAL_NAME -> {
                    return PostgresArrayText.render(
                            schema.parameters().get(ArrayTextConverter.ELEMENT_PARAMETER), raw.toString());
                }
                default -> {
                    // not a logical type this converter knows: fall through to the source type and schema type below
                }
            }
        }
        String sourceType =
                schema.parameters() == null ? null : schema.parameters().get(SOURCE_TYPE);
        if (schema.type() == Schema.Type.BYTES && !"bytea".equalsIgnoreCase(sourceType)) {
            return unknownTypeText(raw);
        }
        if (schema.type() == Schema.Type.ARRAY
                && schema.valueSchema().type() == Schema.Type.BYTES
                && schema.valueSchema().name() == null) {
            boolean bytea = "_bytea".equalsIgnoreCase(sourceType);
            return ((List<?>) raw)
                    .stream()
                            .map(element ->
                                    element == null ? null : bytea ? byteArray(element) : unknownTypeText(element))
                            .toList();
        }
        if (sourceType != null
                && schema.type() == Schema.Type.STRING
                && (sourceType.equalsIgnoreCase("numeric") || sourceType.equalsIgnoreCase("decimal"))) {
            return numeric(raw.toString());
        }
        if (sourceType != null && schema.type() == Schema.Type.ARRAY && sourceType.equalsIgnoreCase("_numeric")) {
            return ((List<?>) raw)
                    .stream()
                            .map(element -> element == null ? null : numeric(element.toString()))
                            .toList();
        }
        return switch (schema.type()) {
            case INT8, INT16, INT32, INT64 -> ((Number) raw).longValue();
            case FLOAT32 -> CanonicalValues.real((Float) raw);
            case FLOAT64 -> (Double) raw;
            case BOOLEAN -> (Boolean) raw;
            case STRING -> raw.toString();
            case BYTES -> byteArray(raw);
            case ARRAY ->
                ((List<?>) raw)
                        .stream()
                                .map(element -> value(schema.valueSchema(), element))
                                .toList();
            case STRUCT -> structAsMap((Struct) raw);
            case MAP -> raw.toString();
        };
    }

    /**
     * Nanoseconds since midnight as a time of day; a whole day is Postgres' {@code 24:00:00}, which
     * {@link CanonicalValues#time} writes for {@link LocalTime#MAX}.
     */
    private static LocalTime timeOfDay(long nanos) {
        return nanos == NANOS_PER_DAY ? LocalTime.MAX : LocalTime.ofNanoOfDay(nanos);
    }

    /**
     * {@code bit(n)} as Postgres writes it ({@code 1010000001}), from Debezium's little-endian bytes and the
     * column's length. A {@code varbit} (or a domain over either, which carries no source type) cannot be
     * rebuilt: Debezium sends its bits without their count, so its leading zeros are lost.
     *
     * @throws IllegalArgumentException for a bit string that cannot be rendered exactly
     */
    static String bits(Schema schema, Object raw) {
        String sourceType =
                schema.parameters() == null ? null : schema.parameters().get(SOURCE_TYPE);
        String length = schema.parameters() == null ? null : schema.parameters().get("length");
        if (!"bit".equalsIgnoreCase(sourceType) || length == null) {
            throw new IllegalArgumentException(
                    "a "
                            + (sourceType == null
                                    ? "bit string of a domain type"
                                    : sourceType.toLowerCase(java.util.Locale.ROOT))
                            + " value cannot be carried exactly: Debezium sends its bits without their count, so leading zero bits are lost");
        }
        byte[] bytes = byteArray(raw);
        int n = Integer.parseInt(length);
        StringBuilder text = new StringBuilder(n);
        for (int i = n - 1; i >= 0; i--) {
            int index = i / 8;
            text.append(index < bytes.length && (bytes[index] & (1 << (i % 8))) != 0 ? '1' : '0');
        }
        return text.toString();
    }

    /**
     * A value of a type Debezium does not know (composite types, tsquery, arrays of domains, ...): with
     * {@code include.unknown.datatypes} it sends the value's Postgres text as bytes. Only bytea columns carry
     * their source type (see {@link ConnectorContract#PROPAGATED_SOURCE_TYPES}), so any other bytes are such text.
     *
     * @throws IllegalArgumentException when the bytes are not UTF-8 text
     */
    static String unknownTypeText(Object raw) {
        ByteBuffer buffer = raw instanceof ByteBuffer b ? b.duplicate() : ByteBuffer.wrap((byte[]) raw);
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(buffer).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IllegalArgumentException(
                    "bytes of a column without source type bytea are not the UTF-8 text of a type Debezium"
                            + " does not know; is " + ConnectorContract.class.getSimpleName()
                            + ".PROPAGATED_SOURCE_TYPES set?",
                    e);
        }
    }

    /**
     * numeric as Debezium's string mode writes it: exact digits, or a special value, which becomes the text
     * Postgres writes for it ({@code NaN}, {@code Infinity}, {@code -Infinity}).
     */
    static Object numeric(String text) {
        return switch (text) {
            case "NaN", "NAN" -> "NaN";
            case "Infinity", "POSITIVE_INFINITY" -> "Infinity";
            case "-Infinity", "NEGATIVE_INFINITY" -> "-Infinity";
            default -> new BigDecimal(text);
        };
    }

    private static String zonedTimestamp(String text) {
        Instant instant;
        try {
            instant = UtcTimestamps.parse(text);
        } catch (RuntimeException e) {
            return text; // 'infinity' and other special values stay as Postgres wrote them
        }
        if (instant.getEpochSecond() < MIN_POSTGRES_TIMESTAMP_SECOND
                || instant.getEpochSecond() >= MAX_POSTGRES_TIMESTAMP_SECOND) {
            throw new IllegalArgumentException("timestamptz " + text + " is outside Postgres' range:"
                    + " Debezium's rendering of -infinity inside a timestamptz[]");
        }
        return CanonicalValues.timestampTz(instant);
    }

    /**
     * timestamp without time zone, from Debezium's count of {@code 1/unitsPerSecond} seconds since the epoch.
     * Postgres' {@code infinity} and {@code -infinity} arrive as the driver's sentinel values and stay the
     * words Postgres writes. Split into seconds first: in nanoseconds a long only reaches the year 2262.
     */
    static Object timestamp(long value, long unitsPerSecond) {
        if (value == PGStatement.DATE_POSITIVE_INFINITY) {
            return "infinity";
        }
        if (value == PGStatement.DATE_NEGATIVE_INFINITY) {
            return "-infinity";
        }
        long seconds = Math.floorDiv(value, unitsPerSecond);
        long nanos = Math.floorMod(value, unitsPerSecond) * (1_000_000_000L / unitsPerSecond);
        return CanonicalValues.timestamp(LocalDateTime.ofEpochSecond(seconds, (int) nanos, ZoneOffset.UTC));
    }

    private static byte[] byteArray(Object raw) {
        return raw instanceof ByteBuffer b ? bytes(b) : (byte[]) raw;
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }

    private static Object structAsMap(Struct struct) {
        var node = io.cdcfanout.schema.RowJson.MAPPER.createObjectNode();
        for (Field field : struct.schema().fields()) {
            node.set(
                    field.name(),
                    io.cdcfanout.schema.RowJson.toJson(value(field.schema(), struct.getWithoutDefault(field.name()))));
        }
        return node;
    }
}
