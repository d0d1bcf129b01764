package specdec.engine.safetensors;

import specdec.engine.SpecdecException;

/** A malformed or unusable safetensors file; the message names the file and the tensor. */
public final class SafetensorsException extends SpecdecException {
    public SafetensorsException(String message) {
        super(message);
    }
}
