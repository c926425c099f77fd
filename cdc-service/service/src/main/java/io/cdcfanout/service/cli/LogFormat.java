package io.cdcfanout.service.cli;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.core.joran.spi.JoranException;
import java.util.Locale;
import org.slf4j.LoggerFactory;

/**
 * How log lines are written: {@code text} (default) or {@code json}, one object per line, by logback's
 * own {@code JsonEncoder}. {@code logback.xml} picks the console appender named by {@code CDC_LOG_FORMAT};
 * {@link #activate()} switches when the command line asks for another one.
 */
enum LogFormat {
    TEXT,
    JSON;

    /** The logback appender (and {@code CDC_LOG_FORMAT} value) of this format. */
    String appenderName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Makes this the format of every further log line; does nothing when it already is. */
    void activate() {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return; // another SLF4J binding: its own configuration decides
        }
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        if (root.getAppender(appenderName()) != null) {
            return;
        }
        System.setProperty("CDC_LOG_FORMAT", appenderName()); // logback.xml reads it, before the environment
        context.reset();
        try {
            new ContextInitializer(context).autoConfig();
        } catch (JoranException e) {
            throw new IllegalStateException("cannot reconfigure logging: " + e.getMessage(), e);
        }
    }
}
