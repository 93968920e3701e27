package io.cohort.api.console;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Serves the console below /console: the page at /console/ (revalidated on every load), its
 * files at /console/static/&lt;fingerprint&gt;/… (cached for a year: the fingerprint changes with
 * any byte). Names are looked up in the loaded set, never resolved against a file system.
 */
public final class ConsoleServlet extends HttpServlet {
    static final String IMMUTABLE = "public, max-age=31536000, immutable";
    static final String REVALIDATE = "no-cache";
    private final transient ConsoleAssets assets;

    public ConsoleServlet(ConsoleAssets assets) {
        this.assets = assets;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String path = req.getPathInfo();
        if (path == null) { // "/console": relative links need the trailing slash
            resp.setHeader("Cache-Control", REVALIDATE);
            resp.sendRedirect(req.getContextPath() + "/console/");
            return;
        }
        if (path.equals("/") || path.equals("/index.html")) {
            send(req, resp, assets.index(), REVALIDATE);
            return;
        }
        String prefix = "/static/" + assets.fingerprint() + "/";
        var asset = path.startsWith(prefix) ? assets.get(path.substring(prefix.length())) : java.util.Optional.<ConsoleAssets.Asset>empty();
        if (asset.isEmpty()) {
            // An unknown name, or a file of another build (an old page): the page must be reloaded.
            resp.setStatus(404);
            resp.setHeader("Cache-Control", "no-store");
            resp.setContentType("text/plain; charset=utf-8");
            resp.getOutputStream().write("not found: reload /console/\n".getBytes(StandardCharsets.UTF_8));
            return;
        }
        send(req, resp, asset.get(), IMMUTABLE);
    }

    private static void send(HttpServletRequest req, HttpServletResponse resp, ConsoleAssets.Asset a, String cacheControl)
            throws IOException {
        resp.setHeader("Cache-Control", cacheControl);
        resp.setHeader("ETag", a.etag());
        String match = req.getHeader("If-None-Match");
        if (match != null && (match.contains(a.etag()) || match.trim().equals("*"))) { // one tag or a list
            resp.setStatus(304);
            return;
        }
        resp.setContentType(a.contentType());
        resp.setContentLength(a.bytes().length);
        resp.getOutputStream().write(a.bytes());
    }
}
