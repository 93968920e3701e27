package io.cohort.api.console;

import io.dropwizard.core.setup.Environment;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.EnumSet;

/**
 * The web console on the application port: /console (the page and its files, see
 * {@link ConsoleServlet}) and / (a redirect to it). The page calls the public /v1 API with the
 * user's token; nothing here bypasses authentication.
 */
public final class Console {
    private Console() {}

    public static void install(Environment env) {
        ConsoleAssets assets = ConsoleAssets.load();
        env.servlets().addServlet("console", new ConsoleServlet(assets)).addMapping("/console", "/console/*");
        env.servlets().addServlet("console-root", new RootRedirect()).addMapping("");
        env.servlets().addFilter("console-headers", new ConsoleHeaders())
                .addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), true, "/console", "/console/*");
    }

    /** "/" was a 404: a person opening the service's address lands on the console. */
    static final class RootRedirect extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            resp.setHeader("Cache-Control", "no-cache");
            resp.sendRedirect(req.getContextPath() + "/console/");
        }
    }
}
