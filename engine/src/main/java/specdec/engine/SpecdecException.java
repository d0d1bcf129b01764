package specdec.engine;

/**
 * A problem caused by the user's input (a file, a flag, a config field). The CLI prints its
 * message as one line and exits non-zero, so the message must name the file and the field.
 */
public class SpecdecException extends RuntimeException {
    public SpecdecException(String message) {
        super(message);
    }

    public SpecdecException(String message, Throwable cause) {
        super(message, cause);
    }
}
