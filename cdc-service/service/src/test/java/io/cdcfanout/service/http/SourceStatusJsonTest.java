package io.cdcfanout.service.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.schema.RowJson;
import org.junit.jupiter.api.Test;

/** The source block of {@code /status} in each mode, as served. */
class SourceStatusJsonTest {

    @Test
    void aSlotSidecarServesItsSlotAndNoKafkaBlock() throws JsonProcessingException {
        String json = RowJson.MAPPER.writeValueAsString(SourceStatus.ofSlot(
                "cdc_fanout", "cdc_fanout", true, Lsn.parse("0/1A2B3C"), Lsn.parse("0/1A2B00"), 60));
        assertThat(json)
                .isEqualTo(
                        "{\"slot\":\"cdc_fanout\",\"publication\":\"cdc_fanout\",\"streaming\":true,"
                                + "\"received_lsn\":\"0/1A2B3C\",\"slot_confirmed_flush_lsn\":\"0/1A2B00\",\"slot_lag_bytes\":60}");
    }

    @Test
    void aKafkaSidecarServesItsTopicPositionAndNoSlotFields() throws JsonProcessingException {
        String json = RowJson.MAPPER.writeValueAsString(SourceStatus.ofTopic(
                true, Lsn.parse("0/1A2B3C"), KafkaSourceStatus.of("cdc.changes", 0, "app-1", 1200, 1250, 1300)));
        assertThat(json)
                .isEqualTo("{\"streaming\":true,\"received_lsn\":\"0/1A2B3C\",\"kafka\":{\"topic\":\"cdc.changes\","
                        + "\"partition\":0,\"instance\":\"app-1\",\"stored_offset\":1200,\"next_offset\":1250,"
                        + "\"end_offset\":1300,\"lag_records\":100}}");
    }

    @Test
    void theLagIsUnknownUntilAPositionIsStored() {
        assertThat(KafkaSourceStatus.of("t", 0, "i", -1, 0, 1300).lagRecords()).isEqualTo(-1);
        assertThat(KafkaSourceStatus.of("t", 0, "i", 1200, 1250, -1).lagRecords())
                .isEqualTo(-1);
        assertThat(KafkaSourceStatus.of("t", 0, "i", 1300, 1300, 1300).lagRecords())
                .isZero();
    }
}
