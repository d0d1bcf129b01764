package specdec.bench.cli;

import specdec.engine.SpecdecException;

/** Parses "1,2,3" token id lists given on the command line. */
final class TokenIds {
    private TokenIds() {}

    static int[] parse(String text, String option) {
        String[] parts = text.split(",");
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i].trim();
            try {
                ids[i] = Integer.parseInt(p);
            } catch (NumberFormatException e) {
                throw new SpecdecException(option + ": '" + p + "' (item " + (i + 1) + ") is not a token id");
            }
            if (ids[i] < 0) throw new SpecdecException(option + ": token id " + ids[i] + " is negative");
        }
        return ids;
    }
}
