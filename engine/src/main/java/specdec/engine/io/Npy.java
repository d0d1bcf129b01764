package specdec.engine.io;

import java.io.DataOutputStream;
import java.io.BufferedOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes float32 arrays in NumPy's .npy format (version 1.0). */
public final class Npy {
    private Npy() {}

    public static void writeFloat32(Path path, float[] data, int offset, int... shape) {
        long n = 1;
        StringBuilder dims = new StringBuilder();
        for (int d : shape) {
            n *= d;
            dims.append(d).append(", ");
        }
        String shapeText = shape.length == 1 ? "(" + shape[0] + ",)" : "(" + dims.substring(0, dims.length() - 2) + ")";
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shapeText + ", }";
        int preamble = 10;
        int total = preamble + dict.length() + 1;
        int pad = (64 - total % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        long count = n;
        AtomicFiles.write(path, tmp -> {
            try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16))) {
                out.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
                byte[] h = header.getBytes(StandardCharsets.US_ASCII);
                out.write(h.length & 0xff);
                out.write(h.length >>> 8);
                out.write(h);
                ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
                for (long i = 0; i < count; i++) {
                    if (!buf.hasRemaining()) {
                        out.write(buf.array(), 0, buf.position());
                        buf.clear();
                    }
                    buf.putFloat(data[(int) (offset + i)]);
                }
                out.write(buf.array(), 0, buf.position());
            }
        });
    }
}
