package io.cdcfanout.it.harness;

import java.util.List;

/** The Postgres major versions cdc-fanout supports, and so the ones {@link OnEachPostgresVersion} tests run on. */
public final class SupportedPostgres {

    /** Oldest first. 15 is what Debian 12 installs; the harness build has Maven Central binaries of each (BundledPostgres). */
    public static final List<Integer> MAJORS = List.of(15, 17);

    private SupportedPostgres() {}
}
