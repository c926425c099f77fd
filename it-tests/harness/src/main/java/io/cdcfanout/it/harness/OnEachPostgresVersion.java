package io.cdcfanout.it.harness;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.TestTemplate;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs the test once per {@linkplain SupportedPostgres supported Postgres major version}, shown as
 * {@code [Postgres 15]}, {@code [Postgres 17]}. In each run, {@link TestDatabase} and
 * {@link PostgresBackend} parameters come from a server of that version: the run's shared one if it
 * is that version, else a second local Postgres of that version, started on first use (once per
 * JVM, from {@link io.cdcfanout.testbackends.PostgresBinaries#select(java.util.Map, int)}) and
 * stopped when the run ends. The other parameters ({@link ElasticsearchBackend}, {@link Backends})
 * are the shared ones. When no server of a version can be had (e.g. its binaries are not
 * installed), that run fails with the one line that says how to get them: it is never skipped.
 */
@Documented
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@TestTemplate
@ExtendWith(BackendsExtension.class)
public @interface OnEachPostgresVersion {}
