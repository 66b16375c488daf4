package dev.tdi.cli.validation;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The accepted range of a numeric option (int, long, double, their boxes and arrays; every array element is
 * checked). {@link OptionChecks} refuses a value outside it, and any NaN or infinity, before the command starts;
 * the option's help text states the same range ({@link #describe}), which a test checks.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
public @interface Range {
    /** Smallest accepted value. */
    double min();

    /** Largest accepted value. */
    double max();

    /** Whether {@link #min()} itself is refused. */
    boolean minExclusive() default false;

    /** Whether {@link #max()} itself is refused. */
    boolean maxExclusive() default false;

    /** How ranges are written in messages and help texts. */
    final class Text {
        private Text() {
        }

        /** "1..1000" for integers; "0..100", "(0, 1]" or "[0, 1)" for numbers; "any integer" for a full long. */
        public static String describe(Range r, boolean integral) {
            if (integral && r.min() <= Long.MIN_VALUE && r.max() >= Long.MAX_VALUE) {
                return "any integer";
            }
            if (!r.minExclusive() && !r.maxExclusive()) {
                return number(r.min(), integral) + ".." + number(r.max(), integral);
            }
            return (r.minExclusive() ? "(" : "[") + number(r.min(), integral) + ", " + number(r.max(), integral)
                    + (r.maxExclusive() ? ")" : "]");
        }

        /** The accepted values as a phrase: "an integer in 1..1000", "a finite number in (0, 1]". */
        public static String accepted(Range r, boolean integral) {
            String d = describe(r, integral);
            return integral ? (d.equals("any integer") ? d : "an integer in " + d) : "a finite number in " + d;
        }

        private static String number(double v, boolean integral) {
            if (integral || (v == Math.rint(v) && Math.abs(v) < 1e15)) {
                return Long.toString((long) v);
            }
            return Double.toString(v);
        }
    }
}
