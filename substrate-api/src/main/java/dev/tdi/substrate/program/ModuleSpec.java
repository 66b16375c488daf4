package dev.tdi.substrate.program;

/**
 * A named block of units (one physical block, e.g. one U-Net layer's activations).
 *
 * @param name   unique within a program
 * @param size   number of units
 * @param offset index of the module's first unit in the program's flat state vector
 * @param index  position of the module in declaration order
 */
public record ModuleSpec(String name, int size, int offset, int index) {
}
