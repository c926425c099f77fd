package io.cdcfanout.sink.view;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/** Per view and sink: documents rendered, how many documents one batch re-rendered (fan-out), render time. */
public final class ViewMetrics {

    private final Counter rendered;
    private final DistributionSummary fanOut;
    private final Timer renderTime;

    public ViewMetrics(MeterRegistry meters, String sink, String view) {
        this.rendered = Counter.builder("cdc.view.documents.rendered")
                .description("view documents rendered and written")
                .tags("sink", sink, "view", view)
                .register(meters);
        this.fanOut = DistributionSummary.builder("cdc.view.fanout")
                .description("view documents one batch of changes re-rendered")
                .tags("sink", sink, "view", view)
                .publishPercentiles(0.5, 0.99)
                .register(meters);
        this.renderTime = Timer.builder("cdc.view.render")
                .description("time to find, render and write the documents of one batch")
                .tags("sink", sink, "view", view)
                .publishPercentiles(0.5, 0.99)
                .register(meters);
    }

    public void rendered(long documents, long nanos) {
        rendered.increment((double) documents);
        fanOut.record((double) documents);
        renderTime.record(nanos, TimeUnit.NANOSECONDS);
    }

    public double total() {
        return rendered.count();
    }
}
