package io.cohort.cli;

/** An expected failure of a command: its message is the whole report, no stack trace wanted. */
final class CommandFailed extends RuntimeException {
    CommandFailed(String message) {
        super(message);
    }
}
