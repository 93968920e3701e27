package io.cohort.engine;

import io.dropwizard.lifecycle.Managed;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls the rules directory for edits. Polling (not WatchService) because editors save through
 * temp files and renames, and network file systems send no events; a 2 s poll is cheap.
 */
public final class RuleWatcher implements Managed {
    private static final Logger LOG = LoggerFactory.getLogger(RuleWatcher.class);
    private final RuleService rules;
    private final long intervalMillis;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "cohort-rule-watcher");
        t.setDaemon(true);
        return t;
    });

    public RuleWatcher(RuleService rules, long intervalMillis) {
        this.rules = rules;
        this.intervalMillis = intervalMillis;
    }

    @Override public void start() {
        timer.scheduleWithFixedDelay(() -> {
            try {
                rules.reloadIfChanged();
            } catch (RuntimeException | Error e) {
                // An Error too (a compile that overflowed the stack, a heap briefly full): a task of a
                // scheduled executor that throws is never run again, so the watcher stopped for good,
                // silently, and no later edit was applied until a restart.
                LOG.error("rule reload failed; the running rules keep serving, the next look in {} ms", intervalMillis, e);
            }
        }, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
    }

    @Override public void stop() { timer.shutdownNow(); }
}
