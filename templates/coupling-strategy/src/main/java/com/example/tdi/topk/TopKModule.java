package com.example.tdi.topk;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.MapBinder;
import dev.tdi.coupling.CouplingStrategyFactory;

/**
 * Binds {@code topk} beside tdi's built-in strategies. tdi finds this module through
 * {@code META-INF/services/com.google.inject.Module} and installs it with its own modules.
 */
public final class TopKModule extends AbstractModule {
    @Override
    protected void configure() {
        MapBinder.newMapBinder(binder(), String.class, CouplingStrategyFactory.class)
                .addBinding("topk").to(TopKStrategy.Factory.class);
    }
}
