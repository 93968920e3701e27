package io.cohort.bench;

import java.util.Arrays;

/** A growable list of latencies (ms) with percentiles. Not thread-safe: guard it. */
final class Latencies {
    private double[] v = new double[1024];
    private int n;

    synchronized void add(double ms) {
        if (n == v.length) v = Arrays.copyOf(v, n * 2);
        v[n++] = ms;
    }

    synchronized int count() { return n; }

    /** The values recorded so far. */
    synchronized double[] values() { return Arrays.copyOf(v, n); }

    synchronized double pct(double p) {
        if (n == 0) return Double.NaN;
        double[] s = Arrays.copyOf(v, n);
        Arrays.sort(s);
        return s[Math.min(n - 1, (int) Math.ceil(p / 100.0 * n) - 1 < 0 ? 0 : (int) Math.ceil(p / 100.0 * n) - 1)];
    }

    synchronized double max() {
        double m = Double.NaN;
        for (int i = 0; i < n; i++) m = i == 0 ? v[i] : Math.max(m, v[i]);
        return m;
    }

    @Override public String toString() {
        return n == 0 ? "n=0" : String.format("p50 %.1f ms, p99 %.1f ms, max %.1f ms (n=%d)", pct(50), pct(99), max(), n);
    }
}
