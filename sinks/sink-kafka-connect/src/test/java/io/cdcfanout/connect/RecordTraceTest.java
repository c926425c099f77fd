package io.cdcfanout.connect;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.Row;
import io.cdcfanout.schema.TableId;
import java.sql.SQLException;
import java.util.Map;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;

class RecordTraceTest {

    private static final TableId ORDERS = new TableId("public", "orders");

    @Test
    void aChangeLeadsBackToItsRecordAlsoWhenTheSinkHandsBackACopy() {
        ChangeEvent change = ChangeOrderTest.upsert(ORDERS, 7, 40);
        SinkRecord record = new SinkRecord("t", 1, null, null, null, null, 5);
        RecordTrace trace = new RecordTrace();
        trace.add(change, record);

        ChangeEvent completed = change.withAfter(Row.of(Map.of("id", 7L, "v", 40L, "note", "filled in")));

        assertThat(trace.recordOf(change)).isSameAs(record);
        assertThat(trace.recordOf(completed)).isSameAs(record);
        assertThat(trace.recordOf(ChangeOrderTest.upsert(ORDERS, 8, 40))).isNull();
        assertThat(trace.recordOf(ChangeOrderTest.truncate(ORDERS, 90)))
                .as("a logged TRUNCATE")
                .isNull();
    }

    @Test
    void connectionLossRollbacksAndShortagesAreTransientOtherSqlErrorsAreNot() {
        assertThat(CdcFanoutSinkTask.isTransient(new SQLException("refused", "08001")))
                .isTrue();
        assertThat(CdcFanoutSinkTask.isTransient(new SQLException("serialization", "40001")))
                .isTrue();
        assertThat(CdcFanoutSinkTask.isTransient(new SQLException("too many connections", "53300")))
                .isTrue();
        assertThat(CdcFanoutSinkTask.isTransient(new SQLException("admin shutdown", "57P01")))
                .isTrue();
        assertThat(CdcFanoutSinkTask.isTransient(new SQLException("I/O error"))).isTrue();
        assertThat(CdcFanoutSinkTask.isTransient(new SQLException("permission denied", "42501")))
                .isFalse();
        assertThat(CdcFanoutSinkTask.isTransient(new SQLException("bad password", "28P01")))
                .isFalse();
    }
}
