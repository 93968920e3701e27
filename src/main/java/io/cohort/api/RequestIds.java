package io.cohort.api;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.MDC;

/**
 * Gives every request an id: the caller's X-Request-Id when it looks like an id (so a trace can
 * cross services), else a new UUID. The id is in the SLF4J MDC as {@code requestId} while the
 * request runs (log format {@code %X{requestId}}) and echoed in the X-Request-Id response header.
 * A servlet filter rather than a Jersey filter, so it also covers what fails before Jersey.
 */
public final class RequestIds implements Filter {
    public static final String HEADER = "X-Request-Id";
    public static final String MDC_KEY = "requestId";
    /** No spaces, quotes or control characters: the id goes into log lines and headers as is. */
    private static final Pattern SANE = Pattern.compile("[A-Za-z0-9._:=+/-]{1,100}");

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
        String incoming = req instanceof HttpServletRequest h ? h.getHeader(HEADER) : null;
        String id = incoming != null && SANE.matcher(incoming).matches() ? incoming : UUID.randomUUID().toString();
        if (res instanceof HttpServletResponse h) h.setHeader(HEADER, id);
        MDC.put(MDC_KEY, id);
        try {
            chain.doFilter(req, res);
        } finally {
            MDC.remove(MDC_KEY);
        }
    }

    /** The id of the request this thread is serving, or "-" outside a request. */
    public static String current() {
        String id = MDC.get(MDC_KEY);
        return id == null ? "-" : id;
    }
}
