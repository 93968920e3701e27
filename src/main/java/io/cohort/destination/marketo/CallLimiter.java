package io.cohort.destination.marketo;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Keeps calls under Marketo's limits (N calls per sliding window, M concurrent) before the
 * server has to answer 606/615. A call holds a slot from start until its response has arrived
 * and then counts in the window from that moment: the server saw it no later than that, so the
 * window we keep is never shorter than the one Marketo measures.
 */
final class CallLimiter {
    private final int maxCalls;
    private final long windowNanos;
    private final int maxConcurrent;
    private final Deque<Long> finished = new ArrayDeque<>();
    private int inFlight;

    CallLimiter(int maxCalls, java.time.Duration window, int maxConcurrent) {
        this.maxCalls = maxCalls;
        this.windowNanos = window.toNanos();
        this.maxConcurrent = maxConcurrent;
    }

    synchronized void acquire() throws InterruptedException {
        while (true) {
            long now = System.nanoTime();
            while (!finished.isEmpty() && now - finished.peekFirst() >= windowNanos) finished.pollFirst();
            if (inFlight < maxConcurrent && inFlight + finished.size() < maxCalls) {
                inFlight++;
                return;
            }
            long waitNanos = finished.isEmpty() || inFlight >= maxConcurrent
                    ? windowNanos : windowNanos - (now - finished.peekFirst());
            long ms = Math.max(1, waitNanos / 1_000_000);
            wait(ms);
        }
    }

    synchronized void release() {
        inFlight--;
        finished.addLast(System.nanoTime());
        notifyAll();
    }
}
