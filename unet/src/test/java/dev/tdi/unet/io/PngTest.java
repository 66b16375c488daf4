package dev.tdi.unet.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PngTest {
    @Test
    void gridDecodesWithImageIo(@TempDir Path d) throws Exception {
        int n = 3, h = 2, w = 3;
        float[] img = new float[n * h * w];
        for (int i = 0; i < img.length; i++) {
            img[i] = -1f + 2f * i / (img.length - 1);
        }
        Path f = d.resolve("g.png");
        int[] size = Png.writeGrid(f, img, n, h, w, 2);
        BufferedImage b = ImageIO.read(f.toFile());
        assertEquals(size[0], b.getWidth());
        assertEquals(size[1], b.getHeight());
        assertEquals(2 * (w + 2) + 2, b.getWidth());
        assertEquals(0, b.getRaster().getSample(2, 2, 0));                  // first pixel: -1
        assertEquals(255, b.getRaster().getSample(2 + w - 1, 2 + (h + 2) + h - 1, 0)); // image 2 (row 1), last pixel: +1
        assertEquals(0, b.getRaster().getSample(0, 0, 0));                  // border
    }
}
