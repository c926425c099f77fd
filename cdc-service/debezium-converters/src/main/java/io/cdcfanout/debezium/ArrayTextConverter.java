package io.cdcfanout.debezium;

import io.debezium.spi.converter.CustomConverter;
import io.debezium.spi.converter.RelationalColumn;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.connect.data.SchemaBuilder;

/**
 * Carries Postgres arrays that Debezium 3.6 would drop or change as their Postgres array text, for the
 * service's converter to render.
 *
 * <p>Debezium has no converter for {@code interval[]}, {@code money[]}, {@code varbit[]} and {@code xml[]}: it
 * logs "No converter found" once and leaves the column out of every event. It sends {@code bit[]} as NULL and
 * turns {@code 24:00:00} inside a {@code time[]} into {@code 00:00:00}. For those column types (by their
 * Postgres type name, so domains over them are not matched) this converter registers a string schema named
 * {@value #LOGICAL_NAME} whose parameter {@value #ELEMENT_PARAMETER} names the element type, and passes the
 * value's array text ({@code {"1 year","-1 days +02:00:00"}}) unchanged: both the streamed value (a
 * {@code PgArray} built from pgoutput's text) and the snapshot's JDBC array print as that text.
 *
 * <p>It never throws: parsing, and refusing what cannot be rendered exactly, happen in {@code RecordConverter},
 * where a refusal becomes a dead letter instead of a stopped connector. Enabled with
 * {@code converters=cdcfanout_arrays} and {@code cdcfanout_arrays.type=} this class; in Kafka Connect its jar
 * belongs in the Debezium connector's plugin directory.
 */
public final class ArrayTextConverter implements CustomConverter<SchemaBuilder, RelationalColumn> {

    /** The schema name of a value this converter produced. */
    public static final String LOGICAL_NAME = "io.cdcfanout.postgres.ArrayText";

    /** The schema parameter naming the array's element type: one of {@link #ELEMENT_TYPES}' values. */
    public static final String ELEMENT_PARAMETER = "element";

    /** The array types this converter takes over, by Postgres type name, with their element types. */
    public static final Map<String, String> ELEMENT_TYPES = Map.of(
            "_interval", "interval",
            "_money", "money",
            "_bit", "bit",
            "_varbit", "varbit",
            "_xml", "xml",
            "_time", "time");

    @Override
    public void configure(Properties properties) {
        // no options: the set of types is fixed by what Debezium 3.6 loses
    }

    @Override
    public void converterFor(RelationalColumn column, ConverterRegistration<SchemaBuilder> registration) {
        String typeName = column.typeName();
        String element = typeName == null ? null : ELEMENT_TYPES.get(typeName.toLowerCase(Locale.ROOT));
        if (element == null) {
            return;
        }
        SchemaBuilder schema = SchemaBuilder.string()
                .name(LOGICAL_NAME)
                .parameter(ELEMENT_PARAMETER, element)
                .optional();
        registration.register(schema, value -> value == null ? null : value.toString());
    }
}
