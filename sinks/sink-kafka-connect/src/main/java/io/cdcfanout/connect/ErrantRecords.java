package io.cdcfanout.connect;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the changes a sink refuses for good go: Connect's errant-record reporter, i.e. the connector's dead-letter
 * topic ({@code errors.tolerance=all} and {@code errors.deadletterqueue.topic.name}), with the reason as the
 * reported exception's message (in the record's headers with
 * {@code errors.deadletterqueue.context.headers.enable=true}). Without a reporter a refused change fails the
 * task, with the change, the sink and the reason in the message: a change is never dropped silently.
 *
 * <p>Reports are asynchronous; {@link #awaitReported()} returns once every report of the current batch is
 * written, which {@code put} waits for before its records count as applied.
 */
final class ErrantRecords {

    private static final Logger LOG = LoggerFactory.getLogger(ErrantRecords.class);

    /** The exception handed to the reporter; its message is the reason stored with the dead letter. */
    static final class RejectedChangeException extends Exception {
        private static final long serialVersionUID = 1L;

        RejectedChangeException(String message) {
            super(message, null, false, false);
        }
    }

    private final ErrantRecordReporter reporter;
    private final List<Future<Void>> pending = new ArrayList<>();

    /** @param reporter Connect's reporter, null when the connector has no dead-letter queue */
    ErrantRecords(ErrantRecordReporter reporter) {
        this.reporter = reporter;
    }

    /**
     * Sends one refused record to the dead-letter topic.
     *
     * @param reason what the sink said, as a person should read it
     * @throws ConnectException when there is no reporter: the task stops, saying how to configure one
     */
    void report(SinkRecord record, String reason) {
        String where =
                record.originalTopic() + "-" + record.originalKafkaPartition() + "@" + record.originalKafkaOffset();
        if (reporter == null) {
            throw new ConnectException("record " + where + " was refused for good: " + reason
                    + ". The connector has no dead-letter queue, so it stops rather than skip the change; set"
                    + " errors.tolerance=all and errors.deadletterqueue.topic.name=<topic> (and"
                    + " errors.deadletterqueue.context.headers.enable=true to keep the reason) to send such changes"
                    + " there and go on");
        }
        LOG.warn("record {} refused, sent to the dead-letter queue: {}", where, reason);
        try {
            pending.add(reporter.report(record, new RejectedChangeException(reason)));
        } catch (RuntimeException e) {
            throw new ConnectException(
                    "record " + where + " was refused (" + reason
                            + ") and could not be reported to the dead-letter queue: " + e.getMessage(),
                    e);
        }
    }

    /** Waits until every record reported since the last call is written. */
    void awaitReported() {
        try {
            for (Future<Void> future : pending) {
                future.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConnectException("interrupted while writing dead letters", e);
        } catch (ExecutionException e) {
            throw new ConnectException("writing to the dead-letter queue failed: " + e.getCause(), e.getCause());
        } finally {
            pending.clear();
        }
    }
}
