package io.cohort.ops;

/**
 * An admin task that could not do what was asked, and why: answered with its status and a JSON
 * body ({@link TaskParameters}), not as a failure. Dropwizard's task servlet answers any exception
 * with a 500 and a stack trace (to the log as an ERROR, and to the client), which told an
 * operator's script neither what went wrong nor whether trying again helps.
 */
public final class TaskRefusal extends RuntimeException {
    private final int status;
    private final String detailsOf;
    private final java.util.List<String> details;

    private TaskRefusal(int status, String message, String detailsOf, java.util.List<String> details) {
        super(message, null, false, false);
        this.status = status;
        this.detailsOf = detailsOf;
        this.details = java.util.List.copyOf(details);
    }

    private TaskRefusal(int status, String message) { this(status, message, "", java.util.List.of()); }

    /** 404: what the task was asked to act on does not exist here. */
    public static TaskRefusal notFound(String message) { return new TaskRefusal(404, message); }

    /** 409: it exists, but this process may not act on it now (another node holds it). */
    public static TaskRefusal conflict(String message) { return new TaskRefusal(409, message); }

    /** 422: the request was understood and refused for what it would do (rules that do not compile). */
    public static TaskRefusal unprocessable(String message, String detailsOf, java.util.List<String> details) {
        return new TaskRefusal(422, message, detailsOf, details);
    }

    /** 503: not now (a wait timed out, the service is starting); the same request may succeed later. */
    public static TaskRefusal unavailable(String message) { return new TaskRefusal(503, message); }

    public int status() { return status; }

    /** What the details are of (answered as the "field" of each entry of "errors"), e.g. "rules". */
    public String detailsOf() { return detailsOf; }

    /** The refusal's reasons one by one (each rule error with its file and line), possibly none. */
    public java.util.List<String> details() { return details; }
}
