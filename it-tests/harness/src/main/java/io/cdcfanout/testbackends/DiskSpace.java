package io.cdcfanout.testbackends;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The one prerequisite no command reports well: room on the disk the backends write to. */
final class DiskSpace {

    /** A Postgres cluster, a copy of the Elasticsearch distribution, their logs and a little data. */
    static final long NEEDED_BYTES = 1024L * 1024 * 1024;

    private DiskSpace() {}

    /**
     * @throws BackendsUnavailableException when the file system holding {@code dir} has less than {@link #NEEDED_BYTES} free
     */
    static void check(Path dir) {
        long free;
        try {
            free = Files.getFileStore(dir).getUsableSpace();
        } catch (IOException e) {
            return; // cannot tell; a real shortage still shows as "No space left on device" below
        }
        if (free < NEEDED_BYTES) {
            throw new BackendsUnavailableException("only " + free / (1024 * 1024) + " MiB free on the disk holding "
                    + dir + "; the local backends need about " + NEEDED_BYTES / (1024 * 1024)
                    + " MiB. Free some space or point CDC_IT_WORK_DIR at a bigger disk.");
        }
    }

    /** Whether {@code e} or one of its causes says the disk is full. */
    static boolean isDiskFull(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains("No space left on device")) {
                return true;
            }
        }
        return false;
    }

    /** One line for an I/O failure: "the disk is full" when it is, else the first line of the message. */
    static String describe(Throwable e) {
        if (isDiskFull(e)) {
            return "the disk is full (No space left on device); free some space there";
        }
        return BackendsUnavailableException.firstLine(e.getMessage() != null ? e.getMessage() : e.toString())
                + (e.getCause() != null && e.getCause().getMessage() != null
                        ? " ("
                                + BackendsUnavailableException.firstLine(
                                        e.getCause().getMessage()) + ")"
                        : "");
    }
}
