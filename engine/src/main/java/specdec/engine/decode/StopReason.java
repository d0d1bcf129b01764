package specdec.engine.decode;

/** Why a generation ended. */
public enum StopReason {
    /** An end-of-sequence token was produced (it is kept in the output). */
    EOS,
    /** max_new_tokens were produced. */
    MAX_TOKENS,
    /** The context of the target or the draft is full. */
    CONTEXT
}
