package dev.tdi.conditioning;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.MapBinder;

/**
 * Binds the built-in interfaces by name: {@code none}, {@code minimal}, {@code oracle}. Add your own with a further
 * module contributing to the same map:
 * <pre>{@code
 * Guice.createInjector(new ConditioningModule(), new AbstractModule() {
 *     protected void configure() {
 *         MapBinder.newMapBinder(binder(), String.class, ConditioningInterfaceFactory.class)
 *                 .addBinding("mine").to(MyInterface.Factory.class);
 *     }
 * }).getInstance(ConditioningInterfaces.class);
 * }</pre>
 */
public final class ConditioningModule extends AbstractModule {
    @Override
    protected void configure() {
        MapBinder<String, ConditioningInterfaceFactory> map =
                MapBinder.newMapBinder(binder(), String.class, ConditioningInterfaceFactory.class);
        map.addBinding("none").to(FixedBiasInterface.Factory.class);
        map.addBinding("minimal").to(MinimalInterface.Factory.class);
        map.addBinding("oracle").to(OracleInterface.Factory.class);
    }
}
