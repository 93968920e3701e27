package io.cohort.identity;

import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Collections;
import java.util.ConcurrentModificationException;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;

/**
 * A mutable set for the graph's indexes, most of which hold one to three elements per key (a
 * person's source records, a node's relations, an account's deals): an array scanned linearly,
 * turned into a {@link HashSet} past {@value #ARRAY_MAX} elements. A HashSet of two costs about
 * 200 bytes and there are several per profile; this costs about 50.
 *
 * <p>An {@link #identity} set compares its elements by reference: for indexes of objects the graph
 * holds exactly once (a relation's stamped record), whose value equality would compare whole records.
 */
final class SmallSet<E> extends AbstractSet<E> {
    static final int ARRAY_MAX = 8;
    private Object[] items = new Object[2];
    private int size;
    private Set<E> large;
    private int modCount;
    private final boolean identity;

    SmallSet() { this(false); }

    private SmallSet(boolean identity) { this.identity = identity; }

    /** A set whose elements are the same when they are the same object. */
    static <E> SmallSet<E> identity() { return new SmallSet<>(true); }

    @Override public int size() { return large != null ? large.size() : size; }

    @Override public boolean contains(Object o) {
        if (large != null) return large.contains(o);
        return indexOf(o) >= 0;
    }

    private int indexOf(Object o) {
        if (identity) {
            for (int i = 0; i < size; i++) if (items[i] == o) return i;
        } else {
            for (int i = 0; i < size; i++) if (Objects.equals(items[i], o)) return i;
        }
        return -1;
    }

    @Override public boolean add(E e) {
        if (large != null) return large.add(e);
        if (indexOf(e) >= 0) return false;
        if (size == ARRAY_MAX) {
            large = identity ? Collections.newSetFromMap(new IdentityHashMap<>(ARRAY_MAX * 4)) : new HashSet<>(ARRAY_MAX * 4);
            for (int i = 0; i < size; i++) large.add(element(i));
            items = null;
            size = 0;
            modCount++;
            return large.add(e);
        }
        if (size == items.length) items = Arrays.copyOf(items, Math.min(ARRAY_MAX, size * 2));
        items[size++] = e;
        modCount++;
        return true;
    }

    @Override public boolean remove(Object o) {
        if (large != null) return large.remove(o);
        int i = indexOf(o);
        if (i < 0) return false;
        removeAt(i);
        return true;
    }

    private void removeAt(int i) {
        System.arraycopy(items, i + 1, items, i, size - i - 1);
        items[--size] = null;
        modCount++;
    }

    @SuppressWarnings("unchecked")
    private E element(int i) { return (E) items[i]; }

    @Override public Iterator<E> iterator() {
        if (large != null) return large.iterator();
        return new Iterator<>() {
            private int next;
            private int last = -1;
            private int expected = modCount;

            @Override public boolean hasNext() { return next < size; }

            @Override public E next() {
                if (expected != modCount) throw new ConcurrentModificationException();
                if (next >= size) throw new NoSuchElementException();
                last = next;
                return element(next++);
            }

            @Override public void remove() {
                if (last < 0) throw new IllegalStateException();
                if (expected != modCount) throw new ConcurrentModificationException();
                removeAt(last);
                next = last;
                last = -1;
                expected = modCount;
            }
        };
    }

    /** For the indexes' computeIfAbsent. */
    static <K, V> SmallSet<V> create(K ignored) { return new SmallSet<>(); }

    /** As {@link #create}, for an {@link #identity} set. */
    static <K, V> SmallSet<V> createIdentity(K ignored) { return new SmallSet<>(true); }
}
