package specdec.engine.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class NpyTest {
    @Test
    void writesVersionOneHeaderAlignedTo64AndLittleEndianData(@TempDir Path dir) throws IOException {
        Path p = dir.resolve("x.npy");
        Npy.writeFloat32(p, new float[] {9, 1, 2, 3, 4, 5, 6}, 1, 2, 3);
        byte[] b = Files.readAllBytes(p);
        assertThat(b[0] & 0xff).isEqualTo(0x93);
        assertThat(new String(b, 1, 5, StandardCharsets.US_ASCII)).isEqualTo("NUMPY");
        int hlen = (b[8] & 0xff) | (b[9] & 0xff) << 8;
        assertThat((10 + hlen) % 64).isZero();
        String header = new String(b, 10, hlen, StandardCharsets.US_ASCII);
        assertThat(header).contains("'descr': '<f4'").contains("'shape': (2, 3)").endsWith("\n");
        ByteBuffer data = ByteBuffer.wrap(b, 10 + hlen, 24).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 1; i <= 6; i++) assertThat(data.getFloat()).isEqualTo(i);
        assertThat(b.length).isEqualTo(10 + hlen + 24);
        try (var files = Files.list(dir)) {
            assertThat(files.count()).as("no temporary file left behind").isEqualTo(1);
        }
    }
}
