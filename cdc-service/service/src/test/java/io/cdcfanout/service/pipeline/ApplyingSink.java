package io.cdcfanout.service.pipeline;

import io.cdcfanout.sink.ApplyResult;
import io.cdcfanout.sink.ChangeBatch;
import io.cdcfanout.sink.Sink;
import java.util.function.Function;

/** A sink for lane and pipeline tests: no backend, each batch goes to a function. */
final class ApplyingSink implements Sink {

    private final Function<ChangeBatch, ApplyResult> apply;

    ApplyingSink(Function<ChangeBatch, ApplyResult> apply) {
        this.apply = apply;
    }

    @Override
    public void start() {}

    @Override
    public ApplyResult apply(ChangeBatch batch) {
        return apply.apply(batch);
    }

    @Override
    public void close() {}
}
