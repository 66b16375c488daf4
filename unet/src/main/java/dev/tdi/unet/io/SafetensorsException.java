package dev.tdi.unet.io;

/** A malformed or unusable safetensors file; the message names the file and, where there is one, the tensor. */
public class SafetensorsException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** With a message. */
    public SafetensorsException(String message) {
        super(message);
    }

    /** With a message and a cause. */
    public SafetensorsException(String message, Throwable cause) {
        super(message, cause);
    }
}
