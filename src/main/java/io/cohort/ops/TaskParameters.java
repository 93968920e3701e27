package io.cohort.ops;

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
import java.time.Instant;
import java.time.LocalDate;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The admin tasks' parameters, checked against an allow-list before a task runs. Dropwizard's task
 * servlet answers a task's exception with a 500 and a stack trace (in the log and to the client),
 * and its own tasks take what they are given: {@code log-level?level=BOGUS} set DEBUG with no end,
 * a bad {@code duration} was a 500, a large form body an ERROR. Here every task of the product has
 * its parameters listed with what each may hold; anything else is a 400 (an unknown task a 404, a
 * body a 413: tasks take query parameters) as JSON naming the parameter, and nothing runs.
 */
public final class TaskParameters implements Filter {
    private static final int MAX_BODY = 16 * 1024;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
    private static final Pattern LOGGER = Pattern.compile("[A-Za-z_$][A-Za-z0-9_$.-]{0,199}");
    private static final Set<String> LEVELS = Set.of("OFF", "ERROR", "WARN", "INFO", "DEBUG", "TRACE", "ALL");

    /** One parameter: what it must be, said in the refusal; whether it may be given more than once. */
    private record Param(String expected, Predicate<String> valid, boolean repeats) {}

    private static final Map<String, Map<String, Param>> TASKS = Map.of(
            "gc", Map.of("runs", new Param("a whole number from 1 to 10", v -> v.matches("[1-9]|10"), false)),
            "log-level", Map.of(
                    "logger", new Param("a logger name such as io.cohort.engine", v -> LOGGER.matcher(v).matches(), true),
                    "level", new Param("one of " + String.join(", ", new java.util.TreeSet<>(LEVELS)),
                            v -> LEVELS.contains(v.toUpperCase(java.util.Locale.ROOT)), false),
                    "duration", new Param("an ISO-8601 duration from PT1S to P7D, e.g. PT10M", TaskParameters::shortDuration, false)),
            "reload-rules", Map.of(),
            "re-evaluate", Map.of(),
            "apply-activations", Map.of(),
            "replay-activation", Map.of("activation", new Param("an activation id", v -> NAME.matcher(v).matches(), false)),
            "source-sync", Map.of(
                    "source", new Param("a source id", v -> NAME.matcher(v).matches(), true),
                    "backfill", new Param("true or false", v -> v.equals("true") || v.equals("false"), false),
                    "from", new Param("a date such as 2025-01-01", v -> parses(v, LocalDate::parse), false)),
            "clock", Map.of(
                    "set", new Param("an ISO-8601 instant such as 2026-12-01T00:00:00Z", v -> parses(v, Instant::parse), false),
                    "advance", new Param("an ISO-8601 duration such as P1D", v -> parses(v, Duration::parse), false)));
    /** Parameters a task cannot do without. */
    private static final Map<String, String> REQUIRED = Map.of("replay-activation", "activation");

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
        String path = req instanceof HttpServletRequest h ? AdminRequestGuard.path(h) : "";
        if (!path.startsWith("/tasks/") || !(req instanceof HttpServletRequest http) || !(res instanceof HttpServletResponse out)) {
            chain.doFilter(req, res);
            return;
        }
        String task = path.substring("/tasks/".length());
        Map<String, Param> params = TASKS.get(task);
        if (params == null) {
            refuse(out, 404, "no admin task '" + AdminRequestGuard.abbreviate(task) + "'; tasks: " + String.join(", ", new java.util.TreeSet<>(TASKS.keySet())));
            return;
        }
        // Read before the parameters: asking for them parses a form body, however large.
        if (http.getContentLengthLong() > MAX_BODY || http.getHeader("Transfer-Encoding") != null) {
            refuse(out, 413, "admin tasks take query parameters, not a request body");
            return;
        }
        String problem = problem(task, params, http.getParameterMap());
        if (problem != null) {
            refuse(out, 400, problem);
            return;
        }
        chain.doFilter(req, res);
    }

    /** What is wrong with {@code given} for {@code task}, or null. */
    private static String problem(String task, Map<String, Param> params, Map<String, String[]> given) {
        for (var e : given.entrySet()) {
            Param p = params.get(e.getKey());
            if (p == null) {
                return "task " + task + " takes no parameter '" + AdminRequestGuard.abbreviate(e.getKey()) + "'"
                        + (params.isEmpty() ? "" : "; it takes " + String.join(", ", new java.util.TreeSet<>(params.keySet())));
            }
            if (!p.repeats() && e.getValue().length > 1) return "task " + task + ": give '" + e.getKey() + "' once";
            for (String v : e.getValue()) {
                if (!p.valid().test(v)) {
                    return "task " + task + ": '" + e.getKey() + "' must be " + p.expected() + ", got '" + AdminRequestGuard.abbreviate(v) + "'";
                }
            }
        }
        String required = REQUIRED.get(task);
        if (required != null && !given.containsKey(required)) return "task " + task + " needs the parameter '" + required + "'";
        return null;
    }

    private static boolean shortDuration(String v) {
        if (!parses(v, Duration::parse)) return false;
        Duration d = Duration.parse(v);
        return d.compareTo(Duration.ofSeconds(1)) >= 0 && d.compareTo(Duration.ofDays(7)) <= 0;
    }

    private static boolean parses(String v, java.util.function.Function<String, ?> parse) {
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
