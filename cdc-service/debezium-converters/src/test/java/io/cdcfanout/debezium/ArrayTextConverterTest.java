package io.cdcfanout.debezium;

import static org.assertj.core.api.Assertions.assertThat;

import io.debezium.spi.converter.CustomConverter;
import io.debezium.spi.converter.RelationalColumn;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.connect.data.Schema;
import org.junit.jupiter.api.Test;

class ArrayTextConverterTest {

    private record Registered(Schema schema, CustomConverter.Converter converter) {}

    private static Registered register(String typeName) {
        AtomicReference<Registered> registered = new AtomicReference<>();
        new ArrayTextConverter()
                .converterFor(
                        column(typeName),
                        (schema, converter) -> registered.set(new Registered(schema.build(), converter)));
        return registered.get();
    }

    @Test
    void takesOverTheArrayTypesDebeziumLoses() {
        for (var entry : ArrayTextConverter.ELEMENT_TYPES.entrySet()) {
            Registered r = register(entry.getKey());
            assertThat(r).as(entry.getKey()).isNotNull();
            assertThat(r.schema().name()).isEqualTo(ArrayTextConverter.LOGICAL_NAME);
            assertThat(r.schema().type()).isEqualTo(Schema.Type.STRING);
            assertThat(r.schema().isOptional()).isTrue();
            assertThat(r.schema().parameters()).containsEntry(ArrayTextConverter.ELEMENT_PARAMETER, entry.getValue());
        }
    }

    @Test
    void leavesEveryOtherTypeToDebezium() {
        assertThat(register("_int4")).isNull();
        assertThat(register("interval")).isNull();
        assertThat(register("_timetz")).isNull();
        assertThat(register("my_domain")).isNull();
    }

    @Test
    void passesTheValuesTextAndNull() {
        CustomConverter.Converter converter = register("_varbit").converter();
        Object pgArrayLike = new Object() {
            @Override
            public String toString() {
                return "{0001,1}";
            }
        };
        assertThat(converter.convert(pgArrayLike)).isEqualTo("{0001,1}");
        assertThat(converter.convert("{\"1 year\"}")).isEqualTo("{\"1 year\"}");
        assertThat(converter.convert(null)).isNull();
    }

    private static RelationalColumn column(String typeName) {
        return new RelationalColumn() {
            @Override
            public int jdbcType() {
                return java.sql.Types.ARRAY;
            }

            @Override
            public int nativeType() {
                return 0;
            }

            @Override
            public String typeName() {
                return typeName;
            }

            @Override
            public String typeExpression() {
                return typeName;
            }

            @Override
            public OptionalInt length() {
                return OptionalInt.empty();
            }

            @Override
            public OptionalInt scale() {
                return OptionalInt.empty();
            }

            @Override
            public boolean isOptional() {
                return true;
            }

            @Override
            public Object defaultValue() {
                return null;
            }

            @Override
            public boolean hasDefaultValue() {
                return false;
            }

            @Override
            public String name() {
                return "c";
            }

            @Override
            public String dataCollection() {
                return "public.t";
            }
        };
    }
}
