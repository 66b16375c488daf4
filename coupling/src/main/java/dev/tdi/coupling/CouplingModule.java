package dev.tdi.coupling;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.MapBinder;

/**
 * Binds the built-in strategies by name: {@code none}, {@code dense}, {@code hbc}, {@code svd}, {@code random}.
 * Add your own by installing a further module that contributes to the same map:
 * <pre>{@code
 * Injector injector = Guice.createInjector(new CouplingModule(), new AbstractModule() {
 *     protected void configure() {
 *         MapBinder.newMapBinder(binder(), String.class, CouplingStrategyFactory.class)
 *                 .addBinding("mine").to(MyStrategy.Factory.class);
 *     }
 * });
 * CouplingStrategies strategies = injector.getInstance(CouplingStrategies.class);
 * }</pre>
 */
public final class CouplingModule extends AbstractModule {
    @Override
    protected void configure() {
        MapBinder<String, CouplingStrategyFactory> map =
                MapBinder.newMapBinder(binder(), String.class, CouplingStrategyFactory.class);
        map.addBinding("none").to(NoneStrategy.Factory.class);
        map.addBinding("dense").to(DenseStrategy.Factory.class);
        map.addBinding("hbc").to(HbcStrategy.Factory.class);
        map.addBinding("svd").to(SvdStrategy.Factory.class);
        map.addBinding("random").to(RandomStrategy.Factory.class);
    }
}
