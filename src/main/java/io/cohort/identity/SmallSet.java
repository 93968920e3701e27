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
 * person's source records, a node's relations, an account's deals): scanned linearly, turned
 * into a {@link HashSet} past {@value #ARRAY_MAX} elements. A HashSet of two costs about 200 bytes
 * and there are several per profile; this costs 40 up to two elements.
 *
 * <p>An {@link #identity} set compares its elements by reference: for indexes of objects the graph
 * holds exactly once (a relation's stamped record), whose value equality would compare whole records.
 */
final class SmallSet<E> extends AbstractSet<E> {
    static final int ARRAY_MAX = 8;
    // The first two elements in fields, the rest in an array made for a third: most sets hold one
    // or two, and an array of two was one object more for each of the millions of them.
    private Object e0;
    private Object e1;
    private Object[] rest;
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
            for (int i = 0; i < size; i++) if (element(i) == o) return i;
        } else {
            for (int i = 0; i < size; i++) if (Objects.equals(element(i), o)) return i;
        }
        return -1;
    }

    @Override public boolean add(E e) {
        if (large != null) return large.add(e);
        if (indexOf(e) >= 0) return false;
        if (size == ARRAY_MAX) {
            large = identity ? Collections.newSetFromMap(new IdentityHashMap<>(ARRAY_MAX * 4)) : new HashSet<>(ARRAY_MAX * 4);
            for (int i = 0; i < size; i++) large.add(element(i));
            e0 = null;
            e1 = null;
            rest = null;
            size = 0;
            modCount++;
            return large.add(e);
        }
        if (size >= 2) {
            if (rest == null) rest = new Object[2];
            else if (size - 2 == rest.length) rest = Arrays.copyOf(rest, Math.min(ARRAY_MAX - 2, rest.length * 2));
        }
        set(size++, e);
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
        for (int j = i; j < size - 1; j++) set(j, element(j + 1));
        set(--size, null);
        modCount++;
    }

    @SuppressWarnings("unchecked")
    private E element(int i) { return (E) (i == 0 ? e0 : i == 1 ? e1 : rest[i - 2]); }

    private void set(int i, Object v) {
        if (i == 0) e0 = v;
        else if (i == 1) e1 = v;
        else rest[i - 2] = v;
    }

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
