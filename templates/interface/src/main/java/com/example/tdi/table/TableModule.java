package com.example.tdi.table;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.MapBinder;
import dev.tdi.conditioning.ConditioningInterfaceFactory;

/**
 * Binds {@code table} beside tdi's built-in interfaces. tdi finds this module through
 * {@code META-INF/services/com.google.inject.Module} and installs it with its own modules.
 */
public final class TableModule extends AbstractModule {
    @Override
    protected void configure() {
        MapBinder.newMapBinder(binder(), String.class, ConditioningInterfaceFactory.class)
                .addBinding("table").to(TableInterface.Factory.class);
    }
}
