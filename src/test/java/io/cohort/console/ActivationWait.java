package io.cohort.console;

import java.time.Instant;
import java.util.function.BooleanSupplier;

/** Waits for something outside the browser (a fake vendor's state). */
final class ActivationWait {
    private ActivationWait() {}

    static void until(String what, BooleanSupplier condition) throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(30);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(50);
        }
    }
}
