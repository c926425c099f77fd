package io.cdcfanout.bench;

import io.cdcfanout.service.CdcService;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * How the service spent a window: batches received from Debezium, and each sink's mean time to apply one,
 * read from the service's own metrics ({@code cdc_batches}, {@code cdc_sink_apply}). It splits a latency
 * into waiting for a batch and applying it.
 */
final class ApplyTimes {

    private static final Pattern SINK = Pattern.compile("sink=\"([^\"]+)\"");

    private final Map<String, Double> start;

    private ApplyTimes(Map<String, Double> start) {
        this.start = start;
    }

    static ApplyTimes start(CdcService service) {
        return new ApplyTimes(read(service));
    }

    /** E.g. {@code 14 batches/s; mean apply ms: cache 1.6, history 37, search 90}. */
    String since(CdcService service, double seconds) {
        Map<String, Double> now = read(service);
        double batches = delta(now, "cdc_batches_total|");
        String perSink = now.keySet().stream()
                .filter(k -> k.startsWith("cdc_sink_apply_seconds_count|"))
                .map(k -> k.substring(k.indexOf('|') + 1))
                .map(sink -> {
                    double n = delta(now, "cdc_sink_apply_seconds_count|" + sink);
                    double sum = delta(now, "cdc_sink_apply_seconds_sum|" + sink);
                    return String.format("%s %.1f", sink, n == 0 ? 0 : 1000 * sum / n);
                })
                .collect(Collectors.joining(", "));
        return String.format("%.0f batches/s; mean apply ms: %s", batches / seconds, perSink);
    }

    private double delta(Map<String, Double> now, String key) {
        return now.getOrDefault(key, 0.0) - start.getOrDefault(key, 0.0);
    }

    private static Map<String, Double> read(CdcService service) {
        Map<String, Double> values = new TreeMap<>();
        for (String line : service.scrapeMetrics().split("\n")) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            int nameEnd = line.indexOf('{') >= 0 ? line.indexOf('{') : line.indexOf(' ');
            String name = line.substring(0, nameEnd);
            if (name.equals("cdc_batches_total")
                    || name.equals("cdc_sink_apply_seconds_count")
                    || name.equals("cdc_sink_apply_seconds_sum")) {
                Matcher sink = SINK.matcher(line);
                values.merge(
                        name + "|" + (sink.find() ? sink.group(1) : ""),
                        Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)),
                        Double::sum);
            }
        }
        return values;
    }
}
