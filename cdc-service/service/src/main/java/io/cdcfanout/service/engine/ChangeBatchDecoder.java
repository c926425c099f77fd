package io.cdcfanout.service.engine;

import io.cdcfanout.service.pipeline.BatchAcknowledgement;
import io.cdcfanout.service.pipeline.DecodedBatch;
import io.cdcfanout.service.pipeline.Pipeline;
import io.cdcfanout.service.privacy.ColumnPolicy;
import io.cdcfanout.service.source.SourceRecordDecoder;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.connect.source.SourceRecord;

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

    private final SourceRecordDecoder decoder;
    private final Pipeline pipeline;

    /** A batch decoded, and what acknowledging it tells Debezium. */
    record Decoded(DecodedBatch batch, BatchAcknowledgement acknowledgement) {}

    /** The batch's newest record at a transaction boundary, with the offsets to commit for it. */
    private record Boundary(RecordChangeEvent<SourceRecord> record, Map<String, Object> offsets) {}

    public ChangeBatchDecoder(ColumnPolicy columnPolicy, Pipeline pipeline) {
        this.decoder = new SourceRecordDecoder(columnPolicy);
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
        DecodedBatch batch =
                decoder.decode(records.stream().map(RecordChangeEvent::record).toList());
        Boundary boundary = newestBoundary(records);
        BatchAcknowledgement acknowledgement = () -> {
            if (boundary != null) {
                DebeziumEngine.Offsets offsets = committer.buildOffsets();
                boundary.offsets().forEach(offsets::set);
                committer.markProcessed(boundary.record(), offsets);
            }
            committer.markBatchFinished();
        };
        return new Decoded(batch, acknowledgement);
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
