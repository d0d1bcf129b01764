package specdec.engine.safetensors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import specdec.engine.SpecdecException;
import specdec.engine.tensor.DType;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SafetensorsFileTest {
    @TempDir
    Path dir;

    /** A file with exactly this header text and {@code dataBytes} zero bytes of data. */
    private Path raw(String name, String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Path p = dir.resolve(name);
        Files.write(p, b.array());
        return p;
    }

    @Test
    void writesAndReadsBackEveryWeightDtype() {
        float[] v = {1f, -2.5f, 0.333f, 65504f, 1e-3f, -0f};
        Path p = dir.resolve("m.safetensors");
        new SafetensorsWriter().metadata("format", "pt")
                .add("a", DType.F32, new long[] {2, 3}, v)
                .add("b", DType.F16, new long[] {6}, v)
                .add("c", DType.BF16, new long[] {3, 2}, v)
                .write(p);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertThat(f.metadata()).containsEntry("format", "pt");
            assertThat(f.tensors().keySet()).containsExactly("a", "b", "c");
            TensorInfo a = f.tensors().get("a");
            assertThat(a.shape()).containsExactly(2, 3);
            assertThat(a.byteSize()).isEqualTo(24);
            for (int i = 0; i < v.length; i++) {
                assertThat(Encoders.get(f.bytes(a), DType.F32, i)).isEqualTo(v[i]);
                assertThat(Encoders.get(f.bytes(f.tensors().get("b")), DType.F16, i)).isEqualTo(Float.float16ToFloat(Float.floatToFloat16(v[i])));
                assertThat(Encoders.get(f.bytes(f.tensors().get("c")), DType.BF16, i)).isCloseTo(v[i], org.assertj.core.api.Assertions.within(Math.abs(v[i]) / 128));
            }
        }
    }

    @Test
    void dataSectionStartsEightByteAligned() throws IOException {
        Path p = dir.resolve("m.safetensors");
        new SafetensorsWriter().add("x", DType.F32, new long[] {1}, new float[] {1}).write(p);
        long headerLen = ByteBuffer.wrap(Files.readAllBytes(p), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat((8 + headerLen) % 8).isZero();
    }

    @Test
    void sameInputSameBytes() throws IOException {
        Path p1 = dir.resolve("1.safetensors"), p2 = dir.resolve("2.safetensors");
        for (Path p : new Path[] {p1, p2}) {
            new SafetensorsWriter().add("x", DType.BF16, new long[] {4}, new float[] {1, 2, 3, 4}).write(p);
        }
        assertThat(Files.readAllBytes(p1)).isEqualTo(Files.readAllBytes(p2));
    }

    @Test
    void recognisesNonFloatDtypes() throws IOException {
        Path p = raw("i.safetensors", "{\"ids\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]},"
                + "\"mask\":{\"dtype\":\"BOOL\",\"shape\":[3],\"data_offsets\":[16,19]}}", 19);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertThat(f.tensors().get("ids").dtype()).isEqualTo(DType.I64);
            assertThat(f.tensors().get("mask").dtype()).isEqualTo(DType.BOOL);
        }
    }

    @Test
    void rejectsFileShorterThanTheLengthField() throws IOException {
        Path p = dir.resolve("short.safetensors");
        Files.write(p, new byte[] {1, 2, 3});
        assertThatThrownBy(() -> SafetensorsFile.open(p)).isInstanceOf(SafetensorsException.class)
                .hasMessageContaining("short.safetensors").hasMessageContaining("shorter than the 8-byte header length");
    }

    @Test
    void rejectsHeaderLengthOverTheCap() throws IOException {
        Path p = dir.resolve("huge.safetensors");
        Files.write(p, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).array());
        assertThatThrownBy(() -> SafetensorsFile.open(p)).isInstanceOf(SafetensorsException.class)
                .hasMessageContaining("huge.safetensors").hasMessageContaining("exceeds the");
    }

    @Test
    void rejectsHeaderLengthPastEndOfFile() throws IOException {
        Path p = dir.resolve("trunc.safetensors");
        Files.write(p, ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN).putLong(500).array());
        assertThatThrownBy(() -> SafetensorsFile.open(p)).isInstanceOf(SafetensorsException.class)
                .hasMessageContaining("trunc.safetensors").hasMessageContaining("runs past the end of the file");
    }

    @Test
    void rejectsInvalidJson() throws IOException {
        Path p = raw("bad.safetensors", "{\"a\": [1, 2", 0);
        assertThatThrownBy(() -> SafetensorsFile.open(p)).isInstanceOf(SafetensorsException.class)
                .hasMessageContaining("bad.safetensors").hasMessageContaining("not valid JSON");
    }

    @Test
    void rejectsOffsetsPastTheData() throws IOException {
        Path p = raw("oob.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8);
        assertThatThrownBy(() -> SafetensorsFile.open(p)).isInstanceOf(SafetensorsException.class)
                .hasMessageContaining("oob.safetensors").hasMessageContaining("tensor 'w'").hasMessageContaining("past the end");
    }

    @Test
    void rejectsOverlappingTensors() throws IOException {
        Path p = raw("ovl.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12);
        assertThatThrownBy(() -> SafetensorsFile.open(p)).isInstanceOf(SafetensorsException.class)
                .hasMessageContaining("ovl.safetensors").hasMessageContaining("overlap").hasMessageContaining("'a'").hasMessageContaining("'b'");
    }

    @Test
    void rejectsSizeThatDisagreesWithDtypeAndShape() throws IOException {
        Path p = raw("size.safetensors", "{\"w\":{\"dtype\":\"BF16\",\"shape\":[2,3],\"data_offsets\":[0,24]}}", 24);
        assertThatThrownBy(() -> SafetensorsFile.open(p)).isInstanceOf(SafetensorsException.class)
                .hasMessageContaining("size.safetensors").hasMessageContaining("tensor 'w'").hasMessageContaining("needs 12");
    }

    @Test
    void rejectsUnknownDtypeAndMissingFields() throws IOException {
        Path p = raw("dt.safetensors", "{\"w\":{\"dtype\":\"F12\",\"shape\":[1],\"data_offsets\":[0,2]}}", 2);
        assertThatThrownBy(() -> SafetensorsFile.open(p)).hasMessageContaining("tensor 'w'").hasMessageContaining("unknown dtype 'F12'");
        Path q = raw("nf.safetensors", "{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4);
        assertThatThrownBy(() -> SafetensorsFile.open(q)).hasMessageContaining("nf.safetensors").hasMessageContaining("'shape'");
        Path r = raw("neg.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", 4);
        assertThatThrownBy(() -> SafetensorsFile.open(r)).hasMessageContaining("neg.safetensors").hasMessageContaining("not an increasing pair");
    }

    @Test
    void missingFileIsAClearError() {
        assertThatThrownBy(() -> SafetensorsFile.open(dir.resolve("nope.safetensors")))
                .isInstanceOf(SpecdecException.class).hasMessageContaining("nope.safetensors").hasMessageContaining("cannot read");
    }

    @Test
    void readsTensorsBeyondTwoGigabytes() throws IOException {
        long offset = (1L << 31) + 4096;
        String header = "{\"pad\":{\"dtype\":\"U8\",\"shape\":[" + offset + "],\"data_offsets\":[0," + offset + "]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[" + offset + "," + (offset + 8) + "]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        Path p = dir.resolve("big.safetensors");
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
            f.write(h);
            f.seek(8 + h.length + offset); // the gap stays sparse on disk
            f.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.5f).putFloat(-7f).array());
        }
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            TensorInfo w = f.tensors().get("w");
            assertThat(Encoders.get(f.bytes(w), DType.F32, 0)).isEqualTo(1.5f);
            assertThat(Encoders.get(f.bytes(w), DType.F32, 1)).isEqualTo(-7f);
        }
    }
}
