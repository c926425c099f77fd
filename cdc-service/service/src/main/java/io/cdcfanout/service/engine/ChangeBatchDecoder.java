package io.cdcfanout.service.engine;

import io.cdcfanout.converter.RecordConverter;
import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.service.pipeline.BatchAcknowledgement;
import io.cdcfanout.service.pipeline.DeadLetter;
import io.cdcfanout.service.pipeline.DecodedBatch;
import io.cdcfanout.service.pipeline.Pipeline;
import io.cdcfanout.service.privacy.ColumnPolicy;
import io.cdcfanout.service.privacy.UndecodableRecord;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's side of the {@link Pipeline}: decodes each Debezium batch into a {@link DecodedBatch} and hands
 * it over with an acknowledgement that marks the batch's newest transaction boundary processed
 * ({@link ResumeOffsets}) and the batch finished, so Debezium commits offsets only at boundaries and only once
 * the pipeline acknowledged. A record the converter cannot decode becomes a dead letter instead of stopping
 * the stream.
 *
 * <p>Called by the engine's single consumer thread (the converter is not thread-safe).
 */
public final class ChangeBatchDecoder implements DebeziumEngine.ChangeConsumer<RecordChangeEvent<SourceRecord>> {

    private static final Logger LOG = LoggerFactory.getLogger(ChangeBatchDecoder.class);

    private final RecordConverter converter = new RecordConverter();
    private final ColumnPolicy columnPolicy;
    private final Pipeline pipeline;

    /** A batch decoded, and what acknowledging it tells Debezium. */
    record Decoded(DecodedBatch batch, BatchAcknowledgement acknowledgement) {}

    /** The batch's newest record at a transaction boundary, with the offsets to commit for it. */
    private record Boundary(RecordChangeEvent<SourceRecord> record, Map<String, Object> offsets) {}

    public ChangeBatchDecoder(ColumnPolicy columnPolicy, Pipeline pipeline) {
        this.columnPolicy = columnPolicy;
        this.pipeline = pipeline;
    }

    @Override
    public void handleBatch(
            List<RecordChangeEvent<SourceRecord>> records,
            DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer)
            throws InterruptedException {
        Decoded decoded = decode(records, committer);
        pipeline.accept(decoded.batch(), decoded.acknowledgement());
    }

    Decoded decode(
            List<RecordChangeEvent<SourceRecord>> records,
            DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer) {
        List<ChangeEvent> events = new ArrayList<>(records.size());
        List<DeadLetter> undecodable = new ArrayList<>();
        Lsn end = Lsn.ZERO;
        for (RecordChangeEvent<SourceRecord> r : records) {
            SourceRecord record = r.record();
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
        Boundary boundary = newestBoundary(records);
        BatchAcknowledgement acknowledgement = () -> {
            if (boundary != null) {
                DebeziumEngine.Offsets offsets = committer.buildOffsets();
                boundary.offsets().forEach(offsets::set);
                committer.markProcessed(boundary.record(), offsets);
            }
            committer.markBatchFinished();
        };
        return new Decoded(new DecodedBatch(events, end, undecodable, records.size()), acknowledgement);
    }

    /**
     * The batch's newest record at a transaction boundary, with the offsets to commit for it; null if none.
     * Debezium keeps only the last offset marked (one source partition) and offsets grow with the records, so
     * marking each record would only repeat work.
     */
    private static Boundary newestBoundary(List<RecordChangeEvent<SourceRecord>> records) {
        for (int i = records.size() - 1; i >= 0; i--) {
            RecordChangeEvent<SourceRecord> r = records.get(i);
            Optional<Map<String, Object>> boundary =
                    ResumeOffsets.atTransactionBoundary(r.record().sourceOffset());
            if (boundary.isPresent()) {
                return new Boundary(r, boundary.get());
            }
        }
        return null;
    }
}
