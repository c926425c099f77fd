package io.cdcfanout.converter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.debezium.data.Bits;
import io.debezium.time.MicroTime;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.junit.jupiter.api.Test;

/** Boundary values in the shapes Debezium sends them (checked against a real connector by ConverterBoundaryValuesIT). */
class RecordConverterBoundaryValuesTest {

    private static final String SOURCE_TYPE = "__debezium.source.column.type";

    @Test
    void timeOfTwentyFourHoursIsPostgresEndOfDay() {
        assertThat(RecordConverter.value(MicroTime.builder().build(), 86_400_000_000L))
                .isEqualTo("24:00:00");
        assertThat(RecordConverter.value(MicroTime.builder().build(), 86_399_999_999L))
                .isEqualTo("23:59:59.999999");
        assertThat(RecordConverter.value(MicroTime.builder().build(), 0L)).isEqualTo("00:00:00");
    }

    @Test
    void fixedLengthBitStringsAreWrittenAsPostgresWritesThem() {
        Schema bit10 = Bits.builder(10).parameter(SOURCE_TYPE, "BIT").build();
        // B'1010000001': Debezium's bytes are little-endian, the last bit first
        assertThat(RecordConverter.value(bit10, HexFormat.of().parseHex("8102")))
                .isEqualTo("1010000001");
        assertThat(RecordConverter.value(bit10, ByteBuffer.wrap(HexFormat.of().parseHex("01"))))
                .isEqualTo("0000000001");
        assertThat(RecordConverter.value(bit10, new byte[0])).isEqualTo("0000000000");
    }

    @Test
    void varbitAndBitStringsOfUnknownKindAreRefusedWithAReason() {
        Schema varbit =
                Bits.builder(Integer.MAX_VALUE).parameter(SOURCE_TYPE, "VARBIT").build();
        assertThatThrownBy(() -> RecordConverter.value(varbit, new byte[] {1}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("varbit value cannot be carried exactly");
        Schema domain = Bits.builder(10).build();
        assertThatThrownBy(() -> RecordConverter.value(domain, new byte[] {1}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("leading zero bits are lost");
    }

    @Test
    void bytesOfATypeDebeziumDoesNotKnowAreItsText() {
        byte[] composite = "(1,\"x,y\"\"z\")".getBytes(StandardCharsets.UTF_8);
        assertThat(RecordConverter.value(Schema.OPTIONAL_BYTES_SCHEMA, composite))
                .isEqualTo("(1,\"x,y\"\"z\")");
        Schema domainArray =
                SchemaBuilder.array(Schema.OPTIONAL_BYTES_SCHEMA).optional().build();
        assertThat(RecordConverter.value(domainArray, List.of(ByteBuffer.wrap("1".getBytes(StandardCharsets.UTF_8)))))
                .isEqualTo(List.of("1"));
        assertThatThrownBy(() ->
                        RecordConverter.value(Schema.OPTIONAL_BYTES_SCHEMA, new byte[] {(byte) 0xff, (byte) 0xfe}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not the UTF-8 text");
    }

    @Test
    void byteaStaysBytes() {
        Schema bytea =
                SchemaBuilder.bytes().optional().parameter(SOURCE_TYPE, "BYTEA").build();
        assertThat((byte[]) RecordConverter.value(bytea, HexFormat.of().parseHex("deadbeef")))
                .isEqualTo(HexFormat.of().parseHex("deadbeef"));
        Schema byteaArray = SchemaBuilder.array(Schema.OPTIONAL_BYTES_SCHEMA)
                .optional()
                .parameter(SOURCE_TYPE, "_BYTEA")
                .build();
        assertThat(RecordConverter.value(byteaArray, List.of(ByteBuffer.wrap(new byte[] {(byte) 0xde}))))
                .satisfies(v -> assertThat((byte[]) ((List<?>) v).get(0)).isEqualTo(new byte[] {(byte) 0xde}));
    }

    @Test
    void infinitiesDebeziumRendersAsInstantsOutsidePostgresRangeAreRefused() {
        // what Debezium sends for infinity inside a date[] and -infinity inside a timestamptz[]
        long overflowedDay = java.time.LocalDate.parse("-1701532-04-05").toEpochDay();
        assertThatThrownBy(() ->
                        RecordConverter.value(io.debezium.time.Date.builder().build(), (int) overflowedDay))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("outside Postgres' range");
        assertThatThrownBy(() -> RecordConverter.value(
                        io.debezium.time.ZonedTimestamp.builder().build(), "+292269055-12-02T23:00:00Z"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("outside Postgres' range");
        // the ends of the range itself are dates
        assertThat(RecordConverter.value(io.debezium.time.Date.builder().build(), (int)
                        java.time.LocalDate.parse("-4712-01-01").toEpochDay()))
                .isEqualTo("-4712-01-01");
        assertThat(RecordConverter.value(
                        io.debezium.time.ZonedTimestamp.builder().build(), "+294276-12-31T23:59:59.999999Z"))
                .isEqualTo("+294276-12-31T23:59:59.999999Z");
    }
}
