package io.cohort.cli;

/**
 * A command ran and found a problem (rules do not compile, a rule test failed). Its details are
 * already printed; the message is the one-line summary. The command exits non-zero.
 */
public final class CommandFailedException extends Exception {
    public CommandFailedException(String message) { super(message); }
}
