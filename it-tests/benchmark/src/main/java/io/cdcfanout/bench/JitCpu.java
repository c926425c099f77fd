package io.cdcfanout.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * CPU time of this JVM's JIT compiler threads ({@code C1/C2 CompilerThread}, which {@code ThreadMXBean} does not
 * list), read per thread from {@code /proc/self/task}. W6 subtracts it: minutes after the start the JIT still
 * compiles for seconds per 6-second window, more in whichever service runs first, which made the first service look
 * up to 2x dearer per change whichever it was. A compiler thread that exits inside a window takes its share with it
 * (then less is subtracted than was spent). Linux only; nothing is subtracted elsewhere.
 */
final class JitCpu {

    private static final long NANOS_PER_TICK = 1_000_000_000L / 100; // USER_HZ

    /** Compiler-thread CPU ticks by thread id at one moment. */
    static final class Reading {
        private final Map<Long, Long> ticks;

        private Reading(Map<Long, Long> ticks) {
            this.ticks = ticks;
        }

        /** CPU nanoseconds the compiler threads alive now used since {@code before}. */
        long nanosSince(Reading before) {
            long sum = 0;
            for (Map.Entry<Long, Long> e : ticks.entrySet()) {
                sum += e.getValue() - before.ticks.getOrDefault(e.getKey(), 0L);
            }
            return Math.max(0, sum) * NANOS_PER_TICK;
        }
    }

    private JitCpu() {}

    static Reading read() {
        Map<Long, Long> ticks = new HashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    if (name.startsWith("C1 Compiler") || name.startsWith("C2 Compiler")) {
                        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        // f[0] is field 3 (state); utime and stime are fields 14 and 15
                        ticks.put(
                                Long.parseLong(task.getFileName().toString()),
                                Long.parseLong(f[11]) + Long.parseLong(f[12]));
                    }
                } catch (IOException | RuntimeException e) {
                    // the thread is gone
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return new Reading(ticks);
    }
}
