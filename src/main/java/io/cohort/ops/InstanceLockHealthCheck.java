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

    public static InstanceLockHealthCheck of(InstanceLock lock) { return new InstanceLockHealthCheck(lock); }

    @Override protected Result check() {
        return lock.check().map(Result::unhealthy).orElseGet(() -> Result.healthy("this process holds the database's instance lock"));
    }
}
