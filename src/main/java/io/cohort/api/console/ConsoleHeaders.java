package io.cohort.api.console;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * Security headers on every console response. The policy allows only the console's own files
 * (no inline script or style, no other origin, no framing): record fields are untrusted, and
 * should one ever reach the page as markup, the browser still runs nothing of it.
 */
public final class ConsoleHeaders implements Filter {
    public static final String CSP = String.join("; ",
            "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self'", "connect-src 'self'",
            "font-src 'self'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'");

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
        if (res instanceof HttpServletResponse r) {
            r.setHeader("Content-Security-Policy", CSP);
            r.setHeader("X-Content-Type-Options", "nosniff");
            r.setHeader("X-Frame-Options", "DENY");
            r.setHeader("Referrer-Policy", "no-referrer");
            r.setHeader("Cross-Origin-Opener-Policy", "same-origin");
            r.setHeader("Cross-Origin-Resource-Policy", "same-origin");
        }
        chain.doFilter(req, res);
    }
}
