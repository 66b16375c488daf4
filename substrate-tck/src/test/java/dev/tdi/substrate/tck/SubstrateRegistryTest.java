package dev.tdi.substrate.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdi.substrate.SubstrateConfig;
import dev.tdi.substrate.SubstrateRegistry;
import dev.tdi.substrate.UnknownBackendException;
import dev.tdi.substrate.program.InvalidProgramException;
import java.util.List;
import org.junit.jupiter.api.Test;

class SubstrateRegistryTest {

    @Test
    void listsProvidersSortedByName() {
        List<String> names = SubstrateRegistry.names();
        assertTrue(names.containsAll(List.of("minimal-example", "reference")), names.toString());
        assertEquals(names.stream().sorted().toList(), names);
    }

    @Test
    void unknownNameIsAnsweredWithTheKnownNames() {
        UnknownBackendException e = assertThrows(UnknownBackendException.class,
                () -> SubstrateRegistry.open("gpu-magic", SubstrateConfig.defaults()));
        assertTrue(e.getMessage().contains("unknown backend 'gpu-magic'"), e.getMessage());
        assertTrue(e.getMessage().contains("minimal-example") && e.getMessage().contains("reference"), e.getMessage());
    }

    @Test
    void unknownSettingsAreRefusedNamingTheAcceptedOnes() {
        InvalidProgramException e = assertThrows(InvalidProgramException.class,
                () -> SubstrateRegistry.open("reference", SubstrateConfig.of("threads=4")));
        assertTrue(e.getMessage().contains("has no setting 'threads'"), e.getMessage());
        assertThrows(InvalidProgramException.class, () -> SubstrateConfig.of("novalue"));
    }
}
