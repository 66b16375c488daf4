package dev.tdi.substrate;

/**
 * A kind of equilibrating device, found through {@link java.util.ServiceLoader}: list the implementation in
 * {@code META-INF/services/dev.tdi.substrate.SubstrateProvider}. A provider is cheap to construct; devices are
 * touched only by {@link #open}.
 */
public interface SubstrateProvider {

    /** The unique name users select the backend by, e.g. "reference", "sim", "fpga". */
    String name();

    /** One line on what this backend is (and, for a degraded mode, why). */
    String description();

    /** What programs this backend can hold and run. */
    Capabilities capabilities();

    /** Opens a device session with the given settings. */
    Substrate open(SubstrateConfig config);
}
