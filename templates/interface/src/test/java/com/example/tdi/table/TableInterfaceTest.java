package com.example.tdi.table;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tdi.conditioning.ConditioningInput;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TableInterfaceTest {
    @Test
    void answersWithTheNearestStoredTimestep() {
        List<ConditioningInput> cal = List.of(ConditioningInput.of(0, 100), ConditioningInput.of(50, 100),
                ConditioningInput.of(99, 100));
        var table = new TableInterface.Factory().create(Map.of("n", "3"), cal,
                in -> Map.of("f", new float[] {in.timestep()}), 0);
        assertArrayEquals(new float[] {50}, table.biases(ConditioningInput.of(60, 100)).get("f"));
        assertEquals(3, table.parameters());
    }
}
