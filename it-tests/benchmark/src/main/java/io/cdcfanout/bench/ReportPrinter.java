package io.cdcfanout.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Prints the figures as a table, the ratios against the baselines, and writes them as JSON. */
final class ReportPrinter {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Map<String, Object> header;

    ReportPrinter(Map<String, Object> header) {
        this.header = header;
    }

    void printTable(List<Figure> figures, List<String> ratios, PrintStream out) {
        out.println();
        header.forEach((k, v) -> out.println("# " + k + ": " + v));
        out.printf(
                "%-4s %-34s %9s %8s %10s  %-60s %8s %7s %7s %8s %5s%n",
                "wl",
                "variant",
                "changes",
                "seconds",
                "changes/s",
                "latency ms p50/p95/p99/max per sink",
                "cpu s/1k",
                "rss MB",
                "heap MB",
                "slot MB",
                "load");
        for (Figure f : figures) {
            StringBuilder lat = new StringBuilder();
            f.latencyMs()
                    .forEach((sink, p) -> lat.append(sink)
                            .append(' ')
                            .append(fmt(p[0]))
                            .append('/')
                            .append(fmt(p[1]))
                            .append('/')
                            .append(fmt(p[2]))
                            .append('/')
                            .append(fmt(p[3]))
                            .append("  "));
            out.printf(
                    "%-4s %-34s %9d %8.2f %10.0f  %-60s %8s %7s %7s %8s %5.1f%s%n",
                    f.workload(),
                    f.variant(),
                    f.changes(),
                    f.seconds(),
                    f.perSecond(),
                    lat.toString().strip(),
                    opt(f.cpuSecondsPer1000(), "%.3f"),
                    opt(f.peakRssMb(), "%.0f"),
                    opt(f.peakHeapMb(), "%.0f"),
                    opt(f.peakSlotLagMb(), "%.1f"),
                    f.loadAverage(),
                    f.note().isEmpty() ? "" : "  (" + f.note() + ")");
        }
        out.println();
        ratios.forEach(r -> out.println("ratio: " + r));
        out.flush();
    }

    void writeJson(List<Figure> figures, List<String> ratios, Path file) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode head = root.putObject("run");
        header.forEach((k, v) -> head.put(k, String.valueOf(v)));
        ArrayNode rows = root.putArray("figures");
        for (Figure f : figures) {
            ObjectNode n = rows.addObject();
            n.put("workload", f.workload());
            n.put("variant", f.variant());
            n.put("changes", f.changes());
            n.put("seconds", f.seconds());
            n.put("changes_per_second", f.perSecond());
            ObjectNode lat = n.putObject("latency_ms");
            f.latencyMs()
                    .forEach((sink, p) -> lat.putObject(sink)
                            .put("p50", p[0])
                            .put("p95", p[1])
                            .put("p99", p[2])
                            .put("max", p[3]));
            n.put("cpu_seconds_per_1000_changes", f.cpuSecondsPer1000());
            n.put("peak_rss_mb", f.peakRssMb());
            n.put("peak_heap_mb", f.peakHeapMb());
            n.put("peak_slot_lag_mb", f.peakSlotLagMb());
            n.put("load_average_1m", f.loadAverage());
            n.put("note", f.note());
        }
        ArrayNode r = root.putArray("ratios");
        ratios.forEach(r::add);
        JSON.writeValue(file.toFile(), root);
    }

    private static String fmt(double ms) {
        return ms >= 100 ? String.format("%.0f", ms) : String.format("%.1f", ms);
    }

    private static String opt(double v, String format) {
        return v < 0 ? "-" : String.format(format, v);
    }
}
