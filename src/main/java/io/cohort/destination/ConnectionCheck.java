package io.cohort.destination;

/** The result of {@link Destination#check()}. */
public record ConnectionCheck(boolean ok, String message) {
    public static ConnectionCheck healthy(String message) { return new ConnectionCheck(true, message); }
    public static ConnectionCheck failed(String message) { return new ConnectionCheck(false, message); }
}
