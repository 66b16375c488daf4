package dev.tdi.cli.validation;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a path option a command writes to. {@link OptionChecks} checks it up front, before any work: a directory
 * ({@link #file()} false) must be a directory or creatable, and writable; a file must not be a directory and its
 * folder must be writable. Files of {@link #writes()} already there are listed on stderr as about to be replaced
 * (nothing else in the folder is touched), see README "Errors and bad input".
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
public @interface Output {
    /** True when the option names a file rather than a directory. */
    boolean file() default false;

    /**
     * The files the command writes into the directory; {@code {name}} is replaced by the value of the field
     * {@code name} of the same object, and a trailing {@code *.ext} matches every file with that extension.
     */
    String[] writes() default {};
}
