package dev.tdi.conditioning;

/**
 * Every input-specific signal other than the clamped pixels: the diffusion time step, and a class label where the
 * model has one.
 *
 * @param timestep  the DDPM time step, 0 .. timesteps - 1
 * @param timesteps the length of the schedule (so interfaces can normalise t)
 * @param label     the class label, or -1 for an unconditional model
 */
public record ConditioningInput(int timestep, int timesteps, int label) {
    public ConditioningInput {
        if (timesteps <= 0 || timestep < 0 || timestep >= timesteps) {
            throw new IllegalArgumentException("time step " + timestep + " is outside [0, " + timesteps + ")");
        }
    }

    /** An unconditional input at time step t. */
    public static ConditioningInput of(int timestep, int timesteps) {
        return new ConditioningInput(timestep, timesteps, -1);
    }
}
