package io.cdcfanout.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;

class ErrantRecordsTest {

    private static final SinkRecord RECORD = new SinkRecord("cdc.public.notes", 2, null, null, null, null, 17);

    @Test
    void withoutAReporterARefusedChangeStopsTheTaskNamingTheRecordAndTheSettings() {
        ErrantRecords errant = new ErrantRecords(null);

        assertThatThrownBy(() -> errant.report(RECORD, "sink 'search' refused INSERT of public.notes key 2"))
                .isInstanceOf(ConnectException.class)
                .hasMessageContaining("cdc.public.notes-2@17")
                .hasMessageContaining("sink 'search' refused INSERT of public.notes key 2")
                .hasMessageContaining("errors.tolerance=all")
                .hasMessageContaining("errors.deadletterqueue.topic.name");
    }

    @Test
    void theReporterGetsTheRecordWithTheReasonAsTheErrorsMessage() {
        List<Throwable> reported = new ArrayList<>();
        List<SinkRecord> records = new ArrayList<>();
        ErrantRecords errant = new ErrantRecords((record, error) -> {
            records.add(record);
            reported.add(error);
            return CompletableFuture.completedFuture(null);
        });

        errant.report(RECORD, "mapping conflict");
        errant.awaitReported();

        assertThat(records).containsExactly(RECORD);
        assertThat(reported).singleElement().extracting(Throwable::getMessage).isEqualTo("mapping conflict");
    }

    @Test
    void aDeadLetterThatCannotBeWrittenFailsTheBatch() {
        ErrantRecords errant =
                new ErrantRecords((record, error) -> CompletableFuture.failedFuture(new IllegalStateException("gone")));

        errant.report(RECORD, "mapping conflict");

        assertThatThrownBy(errant::awaitReported)
                .isInstanceOf(ConnectException.class)
                .hasMessageContaining("dead-letter queue failed")
                .hasMessageContaining("gone");
    }

    @Test
    void aReporterThatThrowsAtOnceFailsWithTheReason() {
        ErrantRecords errant = new ErrantRecords((record, error) -> {
            throw new ConnectException("Tolerance exceeded");
        });

        assertThatThrownBy(() -> errant.report(RECORD, "mapping conflict"))
                .isInstanceOf(ConnectException.class)
                .hasMessageContaining("mapping conflict")
                .hasMessageContaining("Tolerance exceeded");
    }
}
