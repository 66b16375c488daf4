package dev.tdi.cli.validation;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** Marks a path option a command reads; {@link OptionChecks} checks it exists as the kind given, before any work. */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
public @interface Input {
    /** What the path must be. */
    Kind value();

    /** Kinds of input paths. */
    enum Kind {
        /** A readable regular file. */
        FILE,
        /** A readable directory. */
        DIRECTORY,
        /** A model directory: config.json and model.safetensors. */
        MODEL_DIRECTORY
    }
}
