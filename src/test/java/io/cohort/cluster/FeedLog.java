package io.cohort.cluster;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * What the graph feeds of this JVM log (every in-JVM node's), while open: the quarantine tests
 * check that a skip is an ERROR once in the whole cluster and a WARN everywhere else.
 */
final class FeedLog implements AutoCloseable {
    private final ListAppender<ILoggingEvent> events = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(GraphFeed.class);

    FeedLog() {
        events.start();
        logger.addAppender(events);
    }

    /** The ERROR messages so far that contain {@code text}. */
    List<String> errorsAbout(String text) {
        synchronized (events) { // the appender appends under its own lock
            return events.list.stream().filter(e -> e.getLevel() == Level.ERROR && e.getFormattedMessage().contains(text))
                    .map(ILoggingEvent::getFormattedMessage).toList();
        }
    }

    @Override public void close() { logger.detachAppender(events); }
}
