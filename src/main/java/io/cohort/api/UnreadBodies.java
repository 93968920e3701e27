package io.cohort.api;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * Keeps a client's kept-alive connection usable when a request is answered without its body
 * being read (an unknown source, a missing token, a wrong Content-Type, a body over the limit).
 *
 * <p>Jetty closes such a connection after the response, but the response did not say so: the
 * client puts the connection back in its pool and its next request on it gets no answer at all,
 * which clients do not retry for a POST. So, just before the response starts, the unread rest of
 * the body is read and dropped, up to {@link #DRAIN_LIMIT} bytes; when more is left, or reading
 * fails, or the client waits for {@code 100 Continue} before sending a body that was refused,
 * the response says {@code Connection: close} instead.
 */
public final class UnreadBodies implements Filter {
    /** Past this much unread body, closing the connection is cheaper than reading it. */
    static final int DRAIN_LIMIT = 1 << 20;

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
        if (!(req instanceof HttpServletRequest http) || !(res instanceof HttpServletResponse out) || !hasBody(http)) {
            chain.doFilter(req, res);
            return;
        }
        Guarded guarded = new Guarded(http, out);
        try {
            chain.doFilter(req, guarded);
        } finally {
            // Responses without a body (204, some refusals) never asked for the output stream.
            guarded.settle();
        }
    }

    private static boolean hasBody(HttpServletRequest r) {
        return r.getContentLengthLong() > 0 || r.getHeader("Transfer-Encoding") != null;
    }

    /** The response, settling the request's unread body the first time anything is written. */
    private static final class Guarded extends HttpServletResponseWrapper {
        private final HttpServletRequest request;
        private final HttpServletResponse response;
        private boolean settled;

        Guarded(HttpServletRequest request, HttpServletResponse response) {
            super(response);
            this.request = request;
            this.response = response;
        }

        void settle() {
            if (settled) return;
            settled = true;
            boolean refused = response.getStatus() >= 400;
            String expect = request.getHeader("Expect");
            // Reading now would ask the client for a body that is refused anyway.
            boolean awaitsContinue = expect != null && expect.toLowerCase(Locale.ROOT).contains("100-continue");
            if ((refused && awaitsContinue) || !drained()) close();
        }

        private boolean drained() {
            try {
                ServletInputStream in = request.getInputStream();
                byte[] buf = new byte[16 * 1024];
                long left = DRAIN_LIMIT;
                for (int n; (n = in.read(buf)) != -1; ) {
                    left -= n;
                    if (left < 0) return false;
                }
                return true;
            } catch (IOException | RuntimeException e) {
                // Broken gzip, a client gone, a reader already taken: the connection is not to be trusted.
                return false;
            }
        }

        private void close() {
            if (!response.isCommitted()) response.setHeader("Connection", "close");
        }

        @Override public ServletOutputStream getOutputStream() throws IOException {
            settle();
            return super.getOutputStream();
        }

        @Override public PrintWriter getWriter() throws IOException {
            settle();
            return super.getWriter();
        }

        @Override public void flushBuffer() throws IOException {
            settle();
            super.flushBuffer();
        }

        @Override public void sendError(int sc, String msg) throws IOException {
            setStatus(sc);
            settle();
            super.sendError(sc, msg);
        }

        @Override public void sendError(int sc) throws IOException {
            setStatus(sc);
            settle();
            super.sendError(sc);
        }

        @Override public void sendRedirect(String location) throws IOException {
            settle();
            super.sendRedirect(location);
        }
    }
}
