package io.cohort.ops;

import io.cohort.record.FieldError;
import io.dropwizard.core.setup.AdminEnvironment;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.DateTimeException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The admin tasks' parameters, checked against an allow-list before a task runs. Dropwizard's task
 * servlet answers a task's exception with a 500 and a stack trace (in the log and to the client),
 * and its own tasks take what they are given: {@code log-level?level=BOGUS} set DEBUG with no end,
 * a bad {@code duration} was a 500, a large form body an ERROR. Here every task states what each
 * of its parameters may hold (Dropwizard's two here, ours in {@link CheckedTask#parameters()});
 * anything else is a 400 (a task not registered a 404 listing those that are, a body a 413: tasks
 * take query parameters) as JSON naming the parameter, and nothing runs.
 */
public final class TaskParameters implements Filter {
    private static final int MAX_BODY = 16 * 1024;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
    private static final Pattern LOGGER = Pattern.compile("[A-Za-z_$][A-Za-z0-9_$.-]{0,199}");
    private static final Set<String> LEVELS = Set.of("OFF", "ERROR", "WARN", "INFO", "DEBUG", "TRACE", "ALL");

    /** One parameter: what it must be, said in the refusal; whether it may be given more than once. */
    public record Param(String expected, Predicate<String> valid, boolean repeats) {
        /** Given at most once. */
        public static Param one(String expected, Predicate<String> valid) { return new Param(expected, valid, false); }

        /** Given any number of times. */
        public static Param many(String expected, Predicate<String> valid) { return new Param(expected, valid, true); }
    }

    /** What a task takes. */
    private record Spec(Map<String, Param> params, Set<String> required) {}

    /** The tasks registered, by name: Dropwizard's own (always there) and ours as they are added. */
    private final Map<String, Spec> tasks = new ConcurrentHashMap<>(Map.of(
            "gc", new Spec(Map.of("runs", Param.one("a whole number from 1 to 10", v -> v.matches("[1-9]|10"))), Set.of()),
            "log-level", new Spec(Map.of(
                    "logger", Param.many("a logger name such as io.cohort.engine", v -> LOGGER.matcher(v).matches()),
                    "level", Param.one("one of " + String.join(", ", new TreeSet<>(LEVELS)),
                            v -> LEVELS.contains(v.toUpperCase(java.util.Locale.ROOT))),
                    "duration", Param.one("an ISO-8601 duration from PT1S to P7D, e.g. PT10M", TaskParameters::shortDuration)),
                    Set.of())));

    /** Registers {@code task} on the admin port, its parameters checked by this filter. */
    public void add(AdminEnvironment admin, CheckedTask task) {
        declare(task);
        admin.addTask(task);
    }

    /** Checks requests to {@code task} from now on (the task servlet runs it). */
    void declare(CheckedTask task) {
        tasks.put(task.getName(), new Spec(Map.copyOf(task.parameters()), Set.copyOf(task.required())));
    }

    /** A name such as an activation or source id. */
    public static boolean isName(String v) { return NAME.matcher(v).matches(); }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
        String path = req instanceof HttpServletRequest h ? AdminRequestGuard.path(h) : "";
        if (!path.startsWith("/tasks/") || !(req instanceof HttpServletRequest http) || !(res instanceof HttpServletResponse out)) {
            chain.doFilter(req, res);
            return;
        }
        String task = path.substring("/tasks/".length());
        Spec spec = tasks.get(task);
        if (spec == null) {
            refuse(out, 404, "no admin task '" + AdminRequestGuard.abbreviate(task) + "'; tasks: " + String.join(", ", new TreeSet<>(tasks.keySet())));
            return;
        }
        // Read before the parameters: asking for them parses a form body, however large.
        if (http.getContentLengthLong() > MAX_BODY || http.getHeader("Transfer-Encoding") != null) {
            refuse(out, 413, "admin tasks take query parameters, not a request body");
            return;
        }
        String problem = problem(task, spec, http.getParameterMap());
        if (problem != null) {
            refuse(out, 400, problem);
            return;
        }
        run(task, http, out, chain);
    }

    /**
     * Runs the task with its answer held back: a {@link TaskRefusal} is answered with its status
     * and JSON, a failure (the task servlet's 500, which carries a stack trace) with a JSON 500 that
     * points to the log; otherwise the task's text goes out as written.
     */
    private static void run(String task, HttpServletRequest http, HttpServletResponse out, FilterChain chain)
            throws IOException, ServletException {
        CheckedTask.takeRefusal(); // nothing left over from an earlier request on this thread
        HeldResponse held = new HeldResponse(out);
        chain.doFilter(http, held);
        TaskRefusal refused = CheckedTask.takeRefusal();
        if (refused != null) {
            if (refused.status() == 503) out.setHeader("Retry-After", "10");
            List<FieldError> errors = refused.details().stream().map(d -> new FieldError(-1, refused.detailsOf(), d)).toList();
            AdminRequestGuard.refuse(out, refused.status(), refused.getMessage(), errors);
        } else if (held.status >= 500) {
            AdminRequestGuard.refuse(out, held.status, "task " + task + " failed: " + firstLine(held.text())
                    + " (the service log has the details)", List.of());
        } else {
            out.setStatus(held.status);
            if (held.contentType != null) out.setContentType(held.contentType);
            out.getOutputStream().write(held.body());
        }
    }

    /** The exception's message the task servlet printed after an empty line, or what the answer begins with. */
    private static String firstLine(String text) {
        for (String line : text.split("\\R")) if (!line.isBlank()) return AdminRequestGuard.abbreviate(line.strip());
        return "no message";
    }

    /** A task's answer, held until the task is done. Tasks answer a few lines; nothing large is held. */
    private static final class HeldResponse extends jakarta.servlet.http.HttpServletResponseWrapper {
        private final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        private java.io.PrintWriter writer;
        private int status = 200;
        private String contentType;

        HeldResponse(HttpServletResponse r) { super(r); }

        @Override public java.io.PrintWriter getWriter() {
            if (writer == null) writer = new java.io.PrintWriter(new java.io.OutputStreamWriter(bytes, java.nio.charset.StandardCharsets.UTF_8));
            return writer;
        }

        @Override public jakarta.servlet.ServletOutputStream getOutputStream() {
            return new jakarta.servlet.ServletOutputStream() {
                @Override public void write(int b) { bytes.write(b); }
                @Override public void write(byte[] b, int off, int len) { bytes.write(b, off, len); }
                @Override public boolean isReady() { return true; }
                @Override public void setWriteListener(jakarta.servlet.WriteListener l) { throw new UnsupportedOperationException(); }
            };
        }

        @Override public void setStatus(int sc) { status = sc; }
        @Override public int getStatus() { return status; }
        @Override public void sendError(int sc) { status = sc; }
        @Override public void sendError(int sc, String msg) {
            status = sc;
            getWriter().print(msg == null ? "" : msg);
        }
        @Override public void setContentType(String type) { contentType = type; }
        @Override public String getContentType() { return contentType; }
        @Override public void setContentLength(int len) {}
        @Override public void setContentLengthLong(long len) {}
        @Override public void flushBuffer() {}
        @Override public boolean isCommitted() { return false; }
        @Override public void reset() { resetBuffer(); status = 200; }
        @Override public void resetBuffer() {
            if (writer != null) writer.flush();
            bytes.reset();
        }

        byte[] body() {
            if (writer != null) writer.flush();
            return bytes.toByteArray();
        }

        String text() { return new String(body(), java.nio.charset.StandardCharsets.UTF_8); }
    }

    /** What is wrong with {@code given} for {@code task}, or null. */
    private static String problem(String task, Spec spec, Map<String, String[]> given) {
        Map<String, Param> params = spec.params();
        for (var e : given.entrySet()) {
            Param p = params.get(e.getKey());
            if (p == null) {
                return "task " + task + " takes no parameter '" + AdminRequestGuard.abbreviate(e.getKey()) + "'"
                        + (params.isEmpty() ? "" : "; it takes " + String.join(", ", new TreeSet<>(params.keySet())));
            }
            if (!p.repeats() && e.getValue().length > 1) return "task " + task + ": give '" + e.getKey() + "' once";
            for (String v : e.getValue()) {
                if (!p.valid().test(v)) {
                    return "task " + task + ": '" + e.getKey() + "' must be " + p.expected() + ", got '" + AdminRequestGuard.abbreviate(v) + "'";
                }
            }
        }
        for (String required : new TreeSet<>(spec.required())) {
            if (!given.containsKey(required)) return "task " + task + " needs the parameter '" + required + "'";
        }
        return null;
    }

    private static boolean shortDuration(String v) {
        if (!parses(v, Duration::parse)) return false;
        Duration d = Duration.parse(v);
        return d.compareTo(Duration.ofSeconds(1)) >= 0 && d.compareTo(Duration.ofDays(7)) <= 0;
    }

    /** Whether {@code parse} takes {@code v} (a date, an instant, a duration). */
    public static boolean parses(String v, java.util.function.Function<String, ?> parse) {
        try {
            parse.apply(v);
            return true;
        } catch (DateTimeException e) {
            return false;
        }
    }

    private static void refuse(HttpServletResponse out, int status, String message) throws IOException {
        if (status == 413) out.setHeader("Connection", "close");
        AdminRequestGuard.refuse(out, status, message);
    }
}
