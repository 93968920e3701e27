package io.cohort.store;

import com.codahale.metrics.MetricRegistry;
import io.dropwizard.db.DataSourceFactory;
import io.dropwizard.db.ManagedDataSource;
import org.apache.tomcat.jdbc.pool.DataSourceProxy;

/**
 * The service's connection pools. Dropwizard's pool (tomcat-jdbc) wraps every statement and result
 * set in a reflective proxy by default ({@code useStatementFacade}), so that a statement cannot be
 * used after it is closed; JDBI closes each statement itself, and the proxy made every
 * {@code ResultSet.getString} a reflective call: 28% of a 1,000-member page's time at 1M, and
 * two calls per stored membership read at every start. The pool itself (connections, validation,
 * limits) is as configured.
 */
public final class Pools {
    private Pools() {}

    /** Builds the configured pool (not yet started: it opens on first use or on start). */
    public static ManagedDataSource build(DataSourceFactory database, MetricRegistry metrics, String name) {
        ManagedDataSource ds = database.build(metrics, name);
        if (ds instanceof DataSourceProxy tomcat) tomcat.setUseStatementFacade(false);
        return ds;
    }
}
