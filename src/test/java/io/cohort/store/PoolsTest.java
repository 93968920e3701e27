package io.cohort.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import io.dropwizard.db.DataSourceFactory;
import io.dropwizard.db.ManagedDataSource;
import java.lang.reflect.Proxy;
import java.sql.ResultSet;
import java.util.function.Function;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/** The pool hands out the driver's result sets, not reflective proxies of them. */
class PoolsTest {
    private static DataSourceFactory h2(String name) {
        DataSourceFactory f = new DataSourceFactory();
        f.setDriverClass("org.h2.Driver");
        f.setUrl("jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1");
        f.setUser("sa");
        return f;
    }

    private static Class<?> resultSetClass(ManagedDataSource ds) throws Exception {
        try {
            Function<ResultSet, Class<?>> cls = Object::getClass;
            return Jdbi.create(ds).withHandle(h -> h.createQuery("SELECT 1").map((rs, ctx) -> cls.apply(rs)).one());
        } finally {
            ds.stop();
        }
    }

    @Test
    void resultSetsAreTheDrivers() throws Exception {
        Class<?> c = resultSetClass(Pools.build(h2("pools-a"), new MetricRegistry(), "test"));
        assertThat(Proxy.isProxyClass(c)).as(c.getName()).isFalse();
        assertThat(c.getName()).startsWith("org.h2.jdbc.");
    }

    /** What the setting changes: Dropwizard's pool as built by default proxies them. */
    @Test
    void theDefaultPoolProxiesThem() throws Exception {
        Class<?> c = resultSetClass(h2("pools-b").build(new MetricRegistry(), "test"));
        assertThat(Proxy.isProxyClass(c)).as(c.getName()).isTrue();
    }
}
