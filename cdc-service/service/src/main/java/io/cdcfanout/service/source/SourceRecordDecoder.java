package io.cdcfanout.service.source;

import io.cdcfanout.converter.RecordConverter;
import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.service.pipeline.DeadLetter;
import io.cdcfanout.service.pipeline.DecodedBatch;
import io.cdcfanout.service.privacy.ColumnPolicy;
import io.cdcfanout.service.privacy.UndecodableRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a run of Debezium records, from the embedded engine or read back from Kafka, into the {@link DecodedBatch}
 * the pipeline fans out: data changes as events with the column policy applied, the newest position of any
 * record, and a dead letter for each record the converter cannot decode (instead of stopping the stream).
 *
 * <p>Not thread-safe (the converter is not): one per source thread.
 */
public final class SourceRecordDecoder {

    private static final Logger LOG = LoggerFactory.getLogger(SourceRecordDecoder.class);

    private final RecordConverter converter = new RecordConverter();
    private final ColumnPolicy columnPolicy;

    public SourceRecordDecoder(ColumnPolicy columnPolicy) {
        this.columnPolicy = columnPolicy;
    }

    /** Decodes {@code records}, in order; {@code recordCount} of the batch is their number. */
    public DecodedBatch decode(List<SourceRecord> records) {
        List<ChangeEvent> events = new ArrayList<>(records.size());
        List<DeadLetter> undecodable = new ArrayList<>();
        Lsn end = Lsn.ZERO;
        for (SourceRecord record : records) {
            Optional<Lsn> position = RecordConverter.positionOf(record);
            try {
                converter
                        .convert(record)
                        .map(columnPolicy::apply)
                        .ifPresent(events::add); // private columns never reach a sink
            } catch (RuntimeException e) {
                // the column rules apply to the letter and the log line too; the raw record is never kept whole
                UndecodableRecord kept = UndecodableRecord.of(record, columnPolicy, e);
                LOG.error(
                        "change at {} on {} goes to the dead-letter table: {}",
                        position.orElse(null),
                        kept.table(),
                        kept.reason());
                undecodable.add(DeadLetter.undecodable(
                        kept.table(),
                        kept.key(),
                        kept.lsn(),
                        kept.txId(),
                        kept.operation(),
                        kept.reason(),
                        kept.image()));
            }
            if (position.isPresent()) {
                end = Lsn.max(end, position.get());
            }
        }
        return new DecodedBatch(events, end, undecodable, records.size());
    }
}
