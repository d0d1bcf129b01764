package specdec.engine.kv;

import specdec.engine.SpecdecException;

/** Appending would pass the cache capacity (the model's context, or the size asked for). */
public final class ContextFullException extends SpecdecException {
    public ContextFullException(int length, int count, int capacity) {
        super("context full: " + length + " cached + " + count + " new positions exceed the capacity of " + capacity);
    }
}
