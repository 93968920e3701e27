package io.cohort.ops;

import com.codahale.metrics.health.HealthCheck;
import io.cohort.store.InstanceLock;

/**
 * The database's instance lock is still this process's (PostgreSQL): unhealthy when its
 * connection was lost and another process took the database meanwhile, the one case where two
 * processes may number batches on one database. A lost connection with nobody else waiting is
 * taken again on the spot (logged), so a database restart leaves the check healthy.
 */
public final class InstanceLockHealthCheck extends HealthCheck {
    private final InstanceLock lock;

    private InstanceLockHealthCheck(InstanceLock lock) { this.lock = lock; }

    /**
     * Keeps {@code lock} for the service's life: let go when the lifecycle stops (register it
     * before the connection pool, so that it is let go after the pool closes), checked as
     * {@code database-instance}.
     */
    public static void holdForLife(io.dropwizard.core.setup.Environment env, InstanceLock lock) {
        env.lifecycle().manage(new io.dropwizard.lifecycle.Managed() {
            @Override public void stop() { lock.close(); }
        });
        env.healthChecks().register("database-instance", new InstanceLockHealthCheck(lock));
    }

    @Override protected Result check() {
        return lock.check().map(Result::unhealthy).orElseGet(() -> Result.healthy("this process holds the database's instance lock"));
    }
}
