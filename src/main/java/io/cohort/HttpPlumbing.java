package io.cohort;

import io.cohort.api.ErrorMappers;
import io.cohort.api.FrameworkErrors;
import io.cohort.api.JettyErrors;
import io.cohort.api.JsonErrorHandler;
import io.cohort.api.RequestIds;
import io.cohort.auth.Caller;
import io.cohort.auth.JsonUnauthorizedHandler;
import io.cohort.auth.RolesFeature;
import io.cohort.auth.TokenAuthenticator;
import io.dropwizard.auth.AuthDynamicFeature;
import io.dropwizard.auth.AuthValueFactoryProvider;
import io.dropwizard.auth.oauth.OAuthCredentialAuthFilter;
import io.dropwizard.core.setup.Environment;
import jakarta.servlet.DispatcherType;
import java.util.EnumSet;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.component.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every served API needs before its resources: request ids, token checks (header only,
 * never in a log), the admin guard, JSON errors for everything Jersey and Jetty answer themselves.
 * Used by the cluster mode's wiring; the single-process wiring in {@link CohortApplication} does
 * the same in place (to be folded into one when its builder lands).
 */
final class HttpPlumbing {
    private static final Logger LOG = LoggerFactory.getLogger(HttpPlumbing.class);

    private HttpPlumbing() {}

    static void install(CohortConfiguration config, Environment env) {
        config.auth().startupWarnings().forEach(w -> LOG.warn("\n\n    *** WARNING: {} ***\n", w));
        env.servlets().addFilter("request-id", new RequestIds())
                .addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), true, "/*");
        io.cohort.api.QueryTokenRedaction.install(env);
        env.servlets().addFilter("request-checks", new io.cohort.api.RequestChecks())
                .addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), true, "/*");
        env.admin().addFilter("admin-guard", new io.cohort.ops.AdminRequestGuard(io.cohort.ops.AdminRequestGuard.bindHosts(config.getServerFactory())))
                .addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), true, "/*");
        FrameworkErrors.all().forEach(env.jersey()::register);
        env.lifecycle().addEventListener(new LifeCycle.Listener() {
            @Override public void lifeCycleStarting(LifeCycle event) {
                if (event instanceof Server server) server.setErrorHandler(new JsonErrorHandler());
            }
        });
        TokenAuthenticator auth = new TokenAuthenticator(config.auth().tokens());
        env.jersey().register(new AuthDynamicFeature(new OAuthCredentialAuthFilter.Builder<Caller>()
                .setAuthenticator(auth).setAuthorizer(auth).setPrefix("Bearer").setRealm("cohort")
                .setUnauthorizedHandler(new JsonUnauthorizedHandler()).buildAuthFilter()));
        env.jersey().register(new RolesFeature());
        env.jersey().register(new AuthValueFactoryProvider.Binder<>(Caller.class));
        JettyErrors.install(env);
        env.jersey().register(new ErrorMappers.InvalidBatch());
        env.jersey().register(new ErrorMappers.NativeFormat());
        env.jersey().register(new ErrorMappers.ShuttingDown());
    }
}
